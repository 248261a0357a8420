/**
 * The key-value layer (layer 3): proposal envelope, FSM payload codecs, the
 * HLC, the state machine, snapshot headers, the apply pipeline of spec §5.5
 * and the proposal registry. The encryption layer plugs in through
 * {@link EncryptionApplier} (opcodes 0x03-0x05) and {@link RaftUnwrapper}.
 */
export {
  encodeProposal,
  decodeProposal,
  PROPOSAL_ENVELOPE_VERSION,
  PROPOSAL_ENVELOPE_HEADER_BYTES,
} from './proposal-envelope.js';
export type { ProposalEnvelope } from './proposal-envelope.js';
export { encodeKvPayload, decodeKvPayload, encodeKvRequest, encodeLeaseRenewal, FsmOpcode } from './fsm-payload.js';
export type { KvRequest, KvPayload } from './fsm-payload.js';
export { FsmDecodeError } from './fsm-decode-error.js';
export type { FsmDecodeErrorCode } from './fsm-decode-error.js';
export { KvDefaults } from './kv-defaults.js';
export { KV_LAYER_BUG_SWITCHES } from './kv-bug-switches.js';
export type { KvBugSwitches, KvLayerBugId } from './kv-bug-switches.js';
export type { PayloadLimits } from './kv-defaults.js';
export { Hlc, systemClock } from './hlc.js';
export type { Clock } from './hlc.js';
export { HaltError } from './apply-result.js';
export type { ApplyResult, FsmResponse, FsmErrorCode, HaltReason } from './apply-result.js';
export { haltingEncryptionApplier } from './encryption-applier.js';
export type { EncryptionApplier, EncryptionApplyInput } from './encryption-applier.js';
export { inertRaftUnwrapper } from './raft-unwrapper.js';
export type { RaftUnwrapper } from './raft-unwrapper.js';
export { StateMachine, isEncryptionBandOpcode } from './state-machine.js';
export type { StateMachineOptions, RestoredSnapshot } from './state-machine.js';
export {
  readSnapshotHeader,
  encodeSnapshotHeaderV1,
  encodeSnapshotHeaderV2,
  SnapshotHeaderWriter,
  SnapshotHeaderError,
  SNAPSHOT_HEADER_V2_LENGTH_MIN,
  SNAPSHOT_HEADER_V2_LENGTH_MAX,
} from './snapshot-header.js';
export type { SnapshotHeader, SnapshotHeaderErrorCode } from './snapshot-header.js';
export { encodeSnapshotPayload, decodeSnapshotPayload, SnapshotPayloadError } from './snapshot-payload.js';
export type { SnapshotPayload } from './snapshot-payload.js';
export { SnapshotPayloadBuilder, SNAPSHOT_BUILD_CHUNK_BYTES } from './snapshot-payload-builder.js';
export type { SnapshotPayloadStart } from './snapshot-payload-builder.js';
export { readSnapshotPayload } from './snapshot-payload-reader.js';
export type { SnapshotPayloadView, SnapshotRow } from './snapshot-payload-reader.js';
export { ApplyPipeline } from './apply-pipeline.js';
export type { ApplyPipelineOptions, HaltState, PipelineOutcome } from './apply-pipeline.js';
export { ProposalRegistry } from './proposal-registry.js';
export type {
  RandomSource,
  AppliedProposal,
  PendingProposal,
  ProposalRegistryOptions,
  PendingRejection,
} from './proposal-registry.js';
export { recoverFromSnapshot, replayCommittedEntries } from './startup-recovery.js';
export type { SnapshotRecovery, ReplayOptions, ReplayResult } from './startup-recovery.js';
