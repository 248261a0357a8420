/**
 * The closed registry of encryption errors (spec §1–§8), one entry per
 * sentinel of the production system plus the few this model adds.
 *
 * Compare by `code` (stable, never reused); `name` is the production
 * sentinel's name so logs and halt reasons read like the spec.
 */

/** One registered encryption error. */
export interface EncryptionErrorSpec {
  /** Stable numeric code (4000 band); never reused. */
  readonly code: number;
  /** The sentinel's name as the spec spells it. */
  readonly name: string;
  /** One sentence of documentation. */
  readonly doc: string;
}

const spec = (code: number, name: string, doc: string): EncryptionErrorSpec => Object.freeze({ code, name, doc });

/** Every encryption error by name. */
export const EncryptionErrors = Object.freeze({
  // KEK (§1.1)
  ErrInsecureKEKFile: spec(
    4001,
    'ErrInsecureKEKFile',
    'The KEK file is readable or writable by group or others (mode & 0o077 != 0).',
  ),
  ErrKEKFileNotRegular: spec(
    4002,
    'ErrKEKFileNotRegular',
    'The KEK path is not a regular file (FIFO, device, directory).',
  ),
  ErrKEKFileSize: spec(4003, 'ErrKEKFileSize', 'The KEK file does not hold exactly 32 raw bytes.'),
  ErrKEKFileRead: spec(4004, 'ErrKEKFileRead', 'The KEK file could not be opened or read.'),
  ErrWrappedDEKSize: spec(
    4005,
    'ErrWrappedDEKSize',
    'A KEK-wrapped DEK is not exactly 60 bytes (nonce 12, DEK 32, tag 16).',
  ),
  ErrKEKUnwrap: spec(4006, 'ErrKEKUnwrap', 'A wrapped DEK failed GCM verification under the KEK.'),
  // Keystore and cipher (§1.4)
  ErrReservedKeyID: spec(4010, 'ErrReservedKeyID', 'Key id 0 is reserved for "not bootstrapped".'),
  ErrBadKeySize: spec(4011, 'ErrBadKeySize', 'A DEK is not exactly 32 bytes.'),
  ErrKeyConflict: spec(
    4012,
    'ErrKeyConflict',
    'The key id is already loaded with different key bytes; it is never overwritten.',
  ),
  ErrNilKeystore: spec(4013, 'ErrNilKeystore', 'A cipher operation was attempted without a keystore.'),
  ErrBadNonceSize: spec(4014, 'ErrBadNonceSize', 'A nonce is not exactly 12 bytes.'),
  ErrUnknownKeyID: spec(4015, 'ErrUnknownKeyID', 'The key id is not loaded in the keystore.'),
  ErrIntegrity: spec(4016, 'ErrIntegrity', 'AES-GCM tag verification failed (wrong key, AAD or tampered bytes).'),
  ErrBadKeyID: spec(4017, 'ErrBadKeyID', 'A key id is not an integer in 1..2^32-1.'),
  // Envelope and storage values (§2)
  ErrEnvelopeShort: spec(4020, 'ErrEnvelopeShort', 'An envelope is shorter than the 34-byte overhead.'),
  ErrEnvelopeVersion: spec(4021, 'ErrEnvelopeVersion', 'An envelope version byte is not 0x01.'),
  ErrValueHeaderShort: spec(4022, 'ErrValueHeaderShort', 'An MVCC value is shorter than its 9-byte header.'),
  ErrEncryptedValueReservedState: spec(
    4023,
    'ErrEncryptedValueReservedState',
    'A value header uses a reserved encryption_state (10, 11) or sets bits 3-7.',
  ),
  ErrEncryptedReadIntegrity: spec(
    4024,
    'ErrEncryptedReadIntegrity',
    'A stored value failed authentication (tampered, relocated, or rebadged to cleartext).',
  ),
  ErrEncryptedValueNoCipher: spec(
    4025,
    'ErrEncryptedValueNoCipher',
    'An encrypted value was read on a node without a storage cipher.',
  ),
  ErrWriteCountExhausted: spec(
    4026,
    'ErrWriteCountExhausted',
    'The nonce write counter wrapped; this process load can emit no more nonces.',
  ),
  ErrWriterNotRegistered: spec(
    4027,
    'ErrWriterNotRegistered',
    'A direct (self-originated) encrypted write before this node is a registered writer (retryable).',
  ),
  // Writer registry (§3)
  ErrRegistryValueMalformed: spec(
    4030,
    'ErrRegistryValueMalformed',
    'A writer-registry row value is not exactly 12 bytes.',
  ),
  ErrRegistryKeyMalformed: spec(
    4031,
    'ErrRegistryKeyMalformed',
    'A writer-registry row key is not the 27-byte layout.',
  ),
  // Sidecar (§4)
  ErrSidecarMalformed: spec(4040, 'ErrSidecarMalformed', 'The sidecar is not valid JSON of the expected shape.'),
  ErrSidecarVersion: spec(4041, 'ErrSidecarVersion', 'The sidecar version is not 1 or 2 (downgrade guard).'),
  ErrSidecarKeyIDFormat: spec(4042, 'ErrSidecarKeyIDFormat', 'A sidecar key id is not a canonical decimal uint32.'),
  ErrSidecarReservedKeyID: spec(4043, 'ErrSidecarReservedKeyID', 'The sidecar lists key id 0.'),
  ErrSidecarPurpose: spec(4044, 'ErrSidecarPurpose', 'A sidecar key purpose is neither "storage" nor "raft".'),
  ErrSidecarActiveKeyMissing: spec(4045, 'ErrSidecarActiveKeyMissing', 'A non-zero active id is not present in keys.'),
  ErrSidecarActivePurposeMismatch: spec(
    4046,
    'ErrSidecarActivePurposeMismatch',
    'An active id points at a key of the other purpose.',
  ),
  ErrSidecarIO: spec(4047, 'ErrSidecarIO', 'Reading or writing the sidecar failed.'),
  ErrUnsupportedFilesystem: spec(
    4048,
    'ErrUnsupportedFilesystem',
    'fsync of the sidecar file or its directory failed; durability cannot be guaranteed.',
  ),
  // FSM wire (§5.2) and apply (§5.3, §5.4)
  ErrFSMWireMalformed: spec(
    4050,
    'ErrFSMWireMalformed',
    'An encryption FSM body has a wrong length, truncated prefix, bad purpose or trailing bytes.',
  ),
  ErrFSMWireVersion: spec(4051, 'ErrFSMWireVersion', 'An encryption FSM body wire version is not 0x01.'),
  ErrFSMWireSubtag: spec(4052, 'ErrFSMWireSubtag', 'A rotation body carries a sub-tag this binary does not know.'),
  ErrFSMWireOpcode: spec(
    4053,
    'ErrFSMWireOpcode',
    'An opcode in the encryption band 0x03-0x07 that this binary does not implement.',
  ),
  ErrEncryptionApply: spec(
    4054,
    'ErrEncryptionApply',
    'An encryption entry failed to apply; the apply loop halts without advancing (spec §5.4).',
  ),
  ErrKEKNotConfigured: spec(
    4055,
    'ErrKEKNotConfigured',
    'Bootstrap or rotation applied on a node without KEK, keystore or sidecar path.',
  ),
  ErrRaftUnwrapFailed: spec(
    4056,
    'ErrRaftUnwrapFailed',
    'A raft entry above the cutover could not be unwrapped; the apply loop halts.',
  ),
  // Startup guards and RPC validation (§8)
  ErrSidecarPresentWithoutFlag: spec(
    4060,
    'ErrSidecarPresentWithoutFlag',
    'A sidecar exists but --encryption-enabled is off (downgrade prevention).',
  ),
  ErrKEKRequiredWithFlag: spec(4061, 'ErrKEKRequiredWithFlag', '--encryption-enabled is on but no KEK file is given.'),
  ErrKEKMismatch: spec(4062, 'ErrKEKMismatch', 'A wrapped DEK in the sidecar does not unwrap under the loaded KEK.'),
  ErrLocalEpochExhausted: spec(
    4063,
    'ErrLocalEpochExhausted',
    'An active DEK has local_epoch 0xFFFF; rotate before restarting.',
  ),
  ErrSidecarBehindRaftLog: spec(
    4064,
    'ErrSidecarBehindRaftLog',
    'The raft log holds an applied sidecar-mutating entry the sidecar does not reflect.',
  ),
  ErrNodeIDCollision: spec(4065, 'ErrNodeIDCollision', 'Two distinct full node ids share node_id16.'),
  ErrLocalEpochRollback: spec(
    4066,
    'ErrLocalEpochRollback',
    'The sidecar local_epoch is not ahead of the writer registry (or the row is missing/foreign).',
  ),
  ErrEnvelopeCutoverDivergence: spec(
    4067,
    'ErrEnvelopeCutoverDivergence',
    'A snapshot header cutover is non-zero and differs from the sidecar cutover.',
  ),
  ErrEncryptionNotBootstrapped: spec(
    4068,
    'ErrEncryptionNotBootstrapped',
    'An enable RPC was called before the DEK for that purpose exists.',
  ),
  ErrLocalEpochOutOfRange: spec(4069, 'ErrLocalEpochOutOfRange', 'A wire-side local_epoch exceeds 0xFFFF.'),
  ErrWriterUint16Collision: spec(
    4070,
    'ErrWriterUint16Collision',
    'A new member collides on node_id16 with a registered writer of another full id.',
  ),
  ErrRaftCutoverScope: spec(
    4071,
    'ErrRaftCutoverScope',
    'A non-zero raft cutover needs active.raft != 0 and exactly one shard group.',
  ),
  ErrKeyIDSpaceExhausted: spec(
    4072,
    'ErrKeyIDSpaceExhausted',
    'max(existing ids) + 1 overflows uint32 (rotate-on-startup).',
  ),
} as const);

/** The name of a registered encryption error. */
export type EncryptionErrorName = keyof typeof EncryptionErrors;

/**
 * The one error class of the encryption layer. `code`/`errorName` identify
 * the sentinel; `cause` carries the wrapped error (e.g. the GCM failure under
 * ErrIntegrity, or the specific failure under an ErrEncryptionApply halt).
 */
export class EncryptionError extends Error {
  /** Stable numeric code from the registry. */
  readonly code: number;
  /** Registry name (the spec's sentinel name). */
  readonly errorName: EncryptionErrorName;

  constructor(errorName: EncryptionErrorName, message: string, options?: { cause?: unknown }) {
    super(`${errorName}: ${message}`, options);
    this.name = 'EncryptionError';
    this.errorName = errorName;
    this.code = EncryptionErrors[errorName].code;
  }

  /** True if this error, or any error in its cause chain, is the named sentinel (like Go's errors.Is). */
  is(errorName: EncryptionErrorName): boolean {
    return isEncryptionError(this, errorName);
  }
}

/** True if `err` or anything in its cause chain is the named encryption sentinel. */
export function isEncryptionError(err: unknown, errorName: EncryptionErrorName): boolean {
  let current: unknown = err;
  // The chain is bounded: causes are built by this module and never cyclic, but cap anyway.
  for (let depth = 0; depth < 16 && current instanceof Error; depth++) {
    if (current instanceof EncryptionError && current.errorName === errorName) return true;
    current = current.cause;
  }
  return false;
}

/** Every registered encryption error, ordered by code. */
export function allEncryptionErrorSpecs(): readonly EncryptionErrorSpec[] {
  return Object.values(EncryptionErrors).sort((a, b) => a.code - b.code);
}
