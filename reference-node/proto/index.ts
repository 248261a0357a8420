/**
 * The node's public contract: the error registries, message types, the proto
 * loading, server-side error helpers, typed clients (KV, RaftAdmin,
 * EncryptionAdmin), the operator's key tools and the `ekv-admin inspect`
 * record format. The harness may import this folder (and nothing else of
 * reference-node/).
 */
export { NodeErrors, ErrorMetadataKeys, errorSpecByCode, allErrorSpecs } from './errors.js';
export type { ErrorSpec, NodeErrorName } from './errors.js';
export { TransportErrors } from './client-errors.js';
export { classifyError, RpcError } from './classify-error.js';
export type { ErrorClassification } from './classify-error.js';
export { NodeError, errorMetadata, toGrpcError } from './node-error.js';
export type { LeaderHint } from './node-error.js';
export { EncryptionErrors, EncryptionError, allEncryptionErrorSpecs, isEncryptionError } from './encryption-errors.js';
export type { EncryptionErrorName, EncryptionErrorSpec } from './encryption-errors.js';
export {
  protoLoaderOptions,
  encryptionAdminLoaderOptions,
  protoDirectory,
  loadEkvServices,
  serviceDefinition,
} from './proto-loader.js';
export type { EkvServices } from './proto-loader.js';
export {
  createKvClient,
  createAdminClient,
  createEncryptionAdminClient,
  createPeerGrpcClient,
  createKvGrpcClient,
  channelOptions,
  clientDefaults,
} from './clients.js';
export type {
  KvClient,
  AdminClient,
  EncryptionAdminClient,
  CallOptions,
  Unary,
  PeerGrpcClient,
  KvGrpcClient,
} from './clients.js';
export { loadKekFile, generateWrappedDek, nextDekId, WRAPPED_DEK_BYTES } from './operator-keys.js';
export type { Kek, WrappedDek } from './operator-keys.js';
export type {
  GetRequest,
  GetResponse,
  PutRequest,
  PutResponse,
  DeleteRequest,
  DeleteResponse,
  CompareAndSetRequest,
  CompareAndSetResponse,
  ForwardRequest,
  ForwardResponse,
  ForwardError,
  StatusRequest,
  Member,
  StatusResponse,
  WriteStageTimes,
  SnapshotFormat,
  AddServerRequest,
  ServerRequest,
  MembershipResponse,
  TransferLeadershipResponse,
  DebugProposeRawRequest,
  DebugProposeRawResponse,
  MessageBatch,
  SnapshotChunk,
  Ack,
  DekPurpose,
  GetCapabilityRequest,
  CapabilityReport,
  GetSidecarStateRequest,
  SidecarStateReport,
  ResyncSidecarRequest,
  ResyncSidecarResponse,
  WriterEntry,
  BootstrapEncryptionRequest,
  BootstrapEncryptionResponse,
  RotateDekRequest,
  RotateDekResponse,
  RegisterEncryptionWriterRequest,
  RegisterEncryptionWriterResponse,
  CapabilitySummary,
  EnableStorageEnvelopeRequest,
  EnableStorageEnvelopeResponse,
  EnableRaftEnvelopeRequest,
  EnableRaftEnvelopeResponse,
} from './messages.js';
export type {
  InspectRecord,
  EnvelopeFields,
  SidecarRecord,
  HardStateRecord,
  ConfStateRecord,
  FsmRecord,
  SnapshotRecord,
  OpcodeName,
  RaftEntryRecord,
  MvccRecord,
  RegistryRecord,
  RawRecord,
  SummaryRecord,
} from './inspect-records.js';
export { bugCatalogue, bugEntry, expressibleBugIds, resolveBugId } from './bug-catalogue.js';
export type {
  BugEntry,
  BugLayer,
  BugSection,
  BugIdResolution,
  ExpressibleBug,
  ExpressibleBugId,
  InexpressibleBug,
} from './bug-catalogue.js';
