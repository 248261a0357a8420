/**
 * The encryption layer (ARCHITECTURE.md layer 4): KEK file, keystore,
 * AES-256-GCM envelopes, nonce factories, writer registry, sidecar with the
 * crash-durable write, the applier for 0x03–0x05 and the startup guards.
 * It sits beside kv/ and below server/ and imports neither; the node reaches
 * it through narrow interfaces (RawRowStore, RaftWrapInstaller, the storage
 * ValueCodec adapter, RaftEnvelopeRuntime).
 *
 * Startup (spec §8.1), in order: checkCutoverDivergence(newest snapshot) →
 * checkStartupGuards → checkNodeIdCollision + checkLocalEpochRollback
 * ('before-bump') if active.storage != 0 → checkRaftCutoverScope →
 * hydrateKeystore + bumpLocalEpoch('storage') [+ 'raft' if the cutover is
 * set] → NonceFactory per purpose → RaftEnvelopeRuntime.install(cutover,
 * active.raft) if the cutover is set → StateCache.prime → open stores with
 * createStorageValueCodecs → EncryptionApplier wired into the FSM → replay →
 * checkLocalEpochRollback('after-replay') → checkSidecarBehindRaftLog →
 * checkCutoverDivergence(restored header) → checkRaftEpochRollback.
 */
export { EncryptionError, EncryptionErrors, allEncryptionErrorSpecs, isEncryptionError } from './errors.js';
export type { EncryptionErrorName, EncryptionErrorSpec } from './errors.js';
export { fullNodeId, nodeId16, findNode16Collisions, findCollidingRaftId } from './node-identity.js';
export type { Node16Collision } from './node-identity.js';
export { KEY_BYTES, NONCE_BYTES, TAG_BYTES, WRAPPED_DEK_BYTES, kekFromBytes, loadKekFile } from './kek-file.js';
export type { Kek } from './kek-file.js';
export { KEY_ID_MAX, assertKeyId } from './key-id.js';
export { Keystore } from './keystore.js';
export { assertSealable, openAead, sealAead } from './aead.js';
export {
  ENVELOPE_VERSION,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_NONCE_OFFSET,
  ENVELOPE_CIPHERTEXT_OFFSET,
  ENVELOPE_OVERHEAD_BYTES,
  ENVELOPE_FLAG_SNAPPY,
  encodeEnvelope,
  decodeEnvelope,
} from './envelope.js';
export type { Envelope } from './envelope.js';
export { envelopeMetadata } from './envelope-metadata.js';
export type { EnvelopeMetadata } from './envelope-metadata.js';
export {
  VALUE_HEADER_BYTES,
  ENCRYPTION_STATE_CLEARTEXT,
  ENCRYPTION_STATE_ENVELOPE,
  encodeValueHeader,
  decodeValueHeader,
} from './value-header.js';
export type { ValueHeader } from './value-header.js';
export { RAFT_AAD_DOMAIN, storageAad, raftAad } from './aad.js';
export { NonceFactory, encodeNonce, decodeNonce } from './nonce-factory.js';
export type { NonceSource } from './nonce-factory.js';
export { encodeCleartextValue, encryptStorageValue, decryptStorageValue } from './storage-envelope.js';
export type { StoredValue, DecodedValue } from './storage-envelope.js';
export { decideStorageWrite } from './storage-write-decision.js';
export type { StorageWriteDecision, StorageWritePath } from './storage-write-decision.js';
export { createStorageValueCodecs } from './storage-value-codec.js';
export type { StorageCipherDeps } from './storage-value-codec.js';
export { wrapRaftPayload, unwrapRaftPayload } from './raft-envelope.js';
export { RaftEnvelopeRuntime } from './raft-envelope-runtime.js';
export type { RaftEnvelopeRuntimeDeps } from './raft-envelope-runtime.js';
export {
  REGISTRY_KEY_PREFIX,
  REGISTRY_KEY_BYTES,
  REGISTRY_VALUE_BYTES,
  encodeRegistryKey,
  decodeRegistryKey,
  isRegistryKey,
  encodeRegistryValue,
  decodeRegistryValue,
} from './registry-codec.js';
export type { RegistryRow } from './registry-codec.js';
export { applyRegistration, readRegistryRow } from './writer-registry.js';
export type { RawRowStore, WriterRegistration, RegistrationOutcome } from './writer-registry.js';
export {
  SIDECAR_VERSION,
  SIDECAR_READABLE_VERSIONS,
  emptySidecar,
  validateSidecar,
  serializeSidecar,
  parseSidecar,
} from './sidecar-codec.js';
export type { DekPurpose, Sidecar, SidecarKey } from './sidecar-codec.js';
export {
  SIDECAR_FILE_MODE,
  SIDECAR_WRITE_STEPS,
  nodeFsyncIo,
  killAtSidecarStep,
  sidecarTempPath,
  readSidecar,
  readSidecarSync,
  writeSidecar,
  probeSidecarFilesystem,
} from './sidecar-file.js';
export type { SidecarWriteStep, SidecarFsyncIo, SidecarWriteOptions } from './sidecar-file.js';
export { StateCache } from './state-cache.js';
export { isEncryptionRelevantPayload } from './encryption-relevant.js';
export {
  OPCODE_REGISTRATION,
  OPCODE_BOOTSTRAP,
  OPCODE_ROTATION,
  ENCRYPTION_OPCODE_MIN,
  ENCRYPTION_OPCODE_MAX,
  FSM_WIRE_VERSION,
  ROTATION_SUBTAG,
  KNOWN_ROTATION_SUBTAGS,
  BOOTSTRAP_BATCH_ROWS_MAX,
  REGISTRATION_TUPLE_BYTES,
  encodeRegistrationEntry,
  encodeBootstrapEntry,
  encodeRotationEntry,
  decodeEncryptionEntry,
} from './fsm-wire.js';
export type { BootstrapEntry, RotationEntry, EncryptionEntry, DecodeOptions } from './fsm-wire.js';
export { EncryptionApplier } from './applier.js';
export { rotationSubtagsFor, type CutoverSupport } from './stage-subtags.js';
export type { EncryptionApplierDeps, RaftWrapInstaller, ApplyResult, ApplyDetail } from './applier-context.js';
export {
  LOCAL_EPOCH_MAX,
  needsHydration,
  hydrateKeystore,
  nonceEpochForLoad,
  bumpLocalEpoch,
} from './key-lifecycle.js';
export { ENCRYPTION_LAYER_BUG_SWITCHES } from './bug-switches.js';
export {
  checkStartupGuards,
  checkNodeIdCollision,
  checkLocalEpochRollback,
  checkRaftEpochRollback,
  checkRaftCutoverScope,
  checkCutoverDivergence,
  checkSidecarBehindRaftLog,
} from './startup-guards.js';
export type { StartupGuardInput, RollbackPhase, LogPayloadScanner } from './startup-guards.js';
export { generateWrappedDek, nextDekId } from './dek-helper.js';
export type { WrappedDek } from './dek-helper.js';
