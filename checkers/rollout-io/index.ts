// Readers of the rollout checkers' run-directory inputs: status.jsonl and
// nodes/<id>/inspect.jsonl, validated line by line (file:line errors, a torn
// last line tolerated with a warning).
export { readStatusJsonl } from './read-status-jsonl.js';
export type { ParsedStatusJsonl } from './read-status-jsonl.js';
export { readInspectJsonl } from './read-inspect-jsonl.js';
export type { ParsedInspectJsonl } from './read-inspect-jsonl.js';
export { ArtifactParseError } from './artifact-parse-error.js';
export type { ArtifactParseErrorCode } from './artifact-parse-error.js';
