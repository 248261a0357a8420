export type {
  CallFailure,
  CasOutcome,
  KvConnection,
  LocalRead,
  NodeAccess,
  NodeStatusSummary,
  WriteOutcome,
} from './kv-connection.js';
export type {
  Applied,
  Capability,
  EnableAnswer,
  MemberView,
  NodeStatus,
  OperatorApi,
  Proposer,
  Writer,
} from './operator-api.js';
export { createGrpcNodeAccess, decodeValue, encodeValue } from './grpc-node-access.js';
export { casMismatchError, executeClientOp, kvClient, kvClientFs } from './client-op.js';
export type { Completion } from './client-op.js';
export { findLeader, leaderFrom, probeStatuses, waitForLeader } from './leader.js';
export { createGrpcOperatorApi } from './grpc-operator-api.js';
