// What every encryption rule starts from: the checker's input, and the facts
// derived from it once — paired ops, canary writes, both cutovers, and which
// op applied at which Raft index.
import { canaryWrites, localReadF, okOf, pairOps } from '../artifacts/index.js';
import type { CanaryWrite, NodeInspection, OpPair, RawFile, StatusSample } from '../artifacts/index.js';
import type { HistoryOp } from '../history/index.js';
import { cutoverFacts } from './cutover-facts.js';
import type { CutoverFacts } from './cutover-facts.js';

/** What the encryption checker reads. */
export interface EncryptionInput {
  readonly history: readonly HistoryOp[];
  readonly samples: readonly StatusSample[];
  /** One per node: nodes/<id>/inspect.jsonl. */
  readonly inspections: readonly NodeInspection[];
  /** The data-dir and sidecar files of every node, for the raw plaintext scan. */
  readonly files: readonly RawFile[];
}

/** Facts derived once from the input. */
export interface EncryptionFacts {
  readonly input: EncryptionInput;
  readonly pairs: readonly OpPair[];
  readonly canaries: readonly CanaryWrite[];
  readonly storage: CutoverFacts;
  readonly raft: CutoverFacts;
  /** Raft index → the history op (an ok completion) whose entry applied there. */
  readonly opAtLogIndex: ReadonlyMap<number, number>;
}

function opsByLogIndex(history: readonly HistoryOp[]): Map<number, number> {
  const byIndex = new Map<number, number>();
  for (const op of history) {
    // A local read's logIndex is the node's applied index, not the index of an entry it wrote.
    if (op.type !== 'ok' || op.logIndex === undefined || op.f === localReadF) continue;
    if (!byIndex.has(op.logIndex)) byIndex.set(op.logIndex, op.index);
  }
  return byIndex;
}

/** Derives the facts. */
export function encryptionFacts(input: EncryptionInput): EncryptionFacts {
  const pairs = pairOps(input.history);
  return {
    input,
    pairs,
    canaries: canaryWrites(pairs),
    storage: cutoverFacts('enable-storage-envelope', pairs, input),
    raft: cutoverFacts('enable-raft-envelope', pairs, input),
    opAtLogIndex: opsByLogIndex(input.history),
  };
}

/**
 * True when a canary write is proposed above a cutover: invoked after the
 * first ok of the step that enabled it (spec §7.5, §7.6: the Enable RPC
 * returns after the cutover entry applied, so anything proposed later lands
 * above it), or acknowledged at a log index above the known cutover index.
 */
export function isAboveCutover(canary: CanaryWrite, cutover: CutoverFacts): boolean {
  if (cutover.firstOkIndex !== undefined && canary.pair.invoke.index > cutover.firstOkIndex) return true;
  const logIndex = okOf(canary.pair)?.logIndex;
  return cutover.index !== undefined && logIndex !== undefined && logIndex > cutover.index;
}
