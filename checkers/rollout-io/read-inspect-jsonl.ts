// Reads nodes/<id>/inspect.jsonl (checkers/artifacts/inspect-view.ts). Every
// line is validated; the summary must be the last record (the encryption
// checker takes a missing summary as an incomplete inspection).
import type { InspectView, NodeInspection } from '../artifacts/index.js';
import { ArtifactParseError } from './artifact-parse-error.js';
import { inspectViewSchema } from './inspect-view-schema.js';
import { readJsonlRecords } from './jsonl-records.js';

/** An inspect.jsonl read from a file, with what was tolerated on the way. */
export interface ParsedInspectJsonl {
  readonly inspection: NodeInspection;
  readonly warnings: readonly string[];
}

/** Reads one node's inspect.jsonl text; throws ArtifactParseError (file:line: reason) on a malformed line. */
export function readInspectJsonl(text: string, file: string, node: string): ParsedInspectJsonl {
  const { records, warnings } = readJsonlRecords<InspectView>(text, file, inspectViewSchema);
  const summaryAt = records.findIndex(({ record }) => record.kind === 'summary');
  const after = summaryAt < 0 ? undefined : records[summaryAt + 1];
  if (after !== undefined) {
    throw new ArtifactParseError({
      code: 'invalid-record',
      file,
      line: after.line,
      reason: `a ${after.record.kind} line after the summary (the summary is the last line of an inspection)`,
    });
  }
  return { inspection: { node, records: records.map(({ record }) => record) }, warnings };
}
