// Reads status.jsonl (checkers/artifacts/status-sample.ts): every line is
// validated; a node's samples must not go back in time (the rollout checkers
// read each node's samples as its timeline).
import type { StatusSample } from '../artifacts/index.js';
import { ArtifactParseError } from './artifact-parse-error.js';
import { readJsonlRecords } from './jsonl-records.js';
import { statusSampleSchema } from './status-sample-schema.js';

/** A status.jsonl read from a file, with what was tolerated on the way. */
export interface ParsedStatusJsonl {
  readonly samples: readonly StatusSample[];
  readonly warnings: readonly string[];
}

/** Reads a status.jsonl text; throws ArtifactParseError (file:line: reason) on a malformed line. */
export function readStatusJsonl(text: string, file: string): ParsedStatusJsonl {
  const { records, warnings } = readJsonlRecords(text, file, () => statusSampleSchema);
  const lastTime = new Map<string, number>();
  for (const { line, record } of records) {
    const previous = lastTime.get(record.node);
    if (previous !== undefined && record.time < previous) {
      throw new ArtifactParseError({
        code: 'invalid-record',
        file,
        line,
        reason: `time ${record.time} goes back from ${previous} for node ${record.node} (a node's samples must be in time order)`,
      });
    }
    lastTime.set(record.node, record.time);
  }
  return { samples: records.map(({ record }) => record), warnings };
}
