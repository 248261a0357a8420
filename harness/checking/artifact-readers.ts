/**
 * Reads status.jsonl and inspect.jsonl for the checkers with the checkers'
 * own validating readers (checkers/rollout-io): a torn last line is tolerated
 * with a warning; any other malformed line is an error naming file:line.
 */
import { readFileSync } from 'node:fs';
import type { NodeInspection, StatusSample } from '../../checkers/artifacts/index.js';
import { readInspectJsonl, readStatusJsonl } from '../../checkers/rollout-io/index.js';

/** status.jsonl. */
export function readStatusFile(path: string): { samples: readonly StatusSample[]; warnings: readonly string[] } {
  const parsed = readStatusJsonl(readFileSync(path, 'utf8'), path);
  return { samples: parsed.samples, warnings: parsed.warnings };
}

/** nodes/<id>/inspect.jsonl. */
export function readInspectFile(
  path: string,
  node: string,
): { inspection: NodeInspection; warnings: readonly string[] } {
  return readInspectJsonl(readFileSync(path, 'utf8'), path, node);
}
