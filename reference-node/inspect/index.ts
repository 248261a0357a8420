/**
 * Offline inspection of a stopped node's data dir (`ekv-admin inspect`):
 * JSON lines describing the sidecar, the Raft log (wrapped or not, key id,
 * nonce, opcode), the MVCC store (encryption state bits, key id, nonce,
 * value length) and the newest snapshot. A tool above the storage, kv and
 * encryption layers. It writes no record of its own, though LevelDB may
 * tidy its own files (replay its write-ahead log) when it opens the database.
 * The record types are the public format in `reference-node/proto/`
 * (inspect-records.ts), which the harness and the checkers read.
 */
export { inspectDataDir } from './inspect-data-dir.js';
export type { InspectOptions, InspectSink } from './inspect-data-dir.js';
export { InspectError } from './inspect-error.js';
export type { InspectErrorCode } from './inspect-error.js';
export { sidecarCandidates } from './load-sidecar.js';
export { describeRaftEntry, opcodeName } from './describe-raft-entry.js';
export type { RaftEntryContext } from './describe-raft-entry.js';
export { describeMvccRow, describeRawRow } from './describe-store-row.js';
