export type { CallFailure, CasOutcome, KvConnection, NodeAccess, NodeStatusSummary } from './kv-connection.js';
export { createGrpcNodeAccess, decodeValue, encodeValue } from './grpc-node-access.js';
export { casMismatchError, executeClientOp } from './client-op.js';
export type { Completion } from './client-op.js';
export { findLeader, leaderFrom, probeStatuses, waitForLeader } from './leader.js';
