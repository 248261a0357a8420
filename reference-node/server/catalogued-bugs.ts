/**
 * The catalogued bugs `--bug` can re-introduce: exactly the expressible ids of
 * the one registry in proto/bug-catalogue.ts (the node's public contract for
 * the flag). bug-switches.test.ts checks the layer registries against it.
 */
import { expressibleBugIds, resolveBugId, type ExpressibleBugId } from '../proto/index.js';

/** Every id `--bug` accepts, in catalogue order. */
export const cataloguedBugIds: readonly ExpressibleBugId[] = expressibleBugIds;

/** One catalogued bug id `--bug` accepts (`B7`, `E14`). */
export type CataloguedBugId = ExpressibleBugId;

/**
 * Parses one `--bug` item: the id, case-insensitive, optionally followed by a
 * descriptive slug (`b7`, `B7-wrap-not-restored`). Returns undefined for an
 * id `--bug` does not accept; {@link bugIdRefusal} says why.
 */
export function parseBugId(text: string): CataloguedBugId | undefined {
  const resolved = resolveBugId(text);
  return resolved.ok ? resolved.id : undefined;
}

/** Why `--bug` refuses `text` (unknown, or catalogued but not expressible), with the valid ids; undefined if accepted. */
export function bugIdRefusal(text: string): string | undefined {
  const resolved = resolveBugId(text);
  return resolved.ok ? undefined : resolved.message;
}
