/**
 * The node's public contract: the error registry, message types, the proto
 * loading, server-side error helpers and typed clients. The harness may import
 * this folder (and nothing else of reference-node/).
 */
export { NodeErrors, ErrorMetadataKeys, errorSpecByCode, allErrorSpecs } from './errors.js';
export type { ErrorSpec, NodeErrorName } from './errors.js';
export { TransportErrors } from './client-errors.js';
export { classifyError, RpcError } from './classify-error.js';
export type { ErrorClassification } from './classify-error.js';
export { NodeError, errorMetadata, toGrpcError } from './node-error.js';
export type { LeaderHint } from './node-error.js';
export { protoLoaderOptions, protoDirectory, loadEkvServices, serviceDefinition } from './proto-loader.js';
export type { EkvServices } from './proto-loader.js';
export { createKvClient, createAdminClient, createPeerGrpcClient, channelOptions, clientDefaults } from './clients.js';
export type { KvClient, AdminClient, CallOptions, PeerGrpcClient } from './clients.js';
export type {
  GetRequest,
  GetResponse,
  PutRequest,
  PutResponse,
  DeleteRequest,
  DeleteResponse,
  CompareAndSetRequest,
  CompareAndSetResponse,
  StatusRequest,
  Member,
  StatusResponse,
  AddServerRequest,
  ServerRequest,
  MembershipResponse,
  TransferLeadershipResponse,
  DebugProposeRawRequest,
  DebugProposeRawResponse,
  MessageBatch,
  SnapshotChunk,
  Ack,
} from './messages.js';
