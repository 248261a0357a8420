/**
 * The closed set of errors the storage layer raises. Callers compare by
 * `code`; the message names what was wrong (which file, which index).
 */

/** Stable codes of storage failures. */
export type StorageErrorCode =
  /** A value header uses enc_state 10/11 or sets bits 3-7 (spec §2.1). */
  | 'ErrEncryptedValueReservedState'
  /** A stored value is shorter than its 9-byte header, or an MVCC key shorter than its timestamp. */
  | 'ErrMalformedRecord'
  /** A state-01 (envelope) value was read but no cipher is wired (spec §2.5). */
  | 'ErrEncryptedValueWithoutCipher'
  /** A snapshot file's CRC32 trailer does not match, or the file is truncated. */
  | 'ErrSnapshotCorrupt'
  /** The snapshot named by the durable metadata is missing on disk. */
  | 'ErrSnapshotMissing'
  /** A snapshot older than (or equal to) the one already held was offered. */
  | 'ErrSnapshotOutOfDate'
  /** Appended entries would leave a gap, are not contiguous, or precede the snapshot. */
  | 'ErrLogGap'
  /** A requested log range is compacted (below the first index). */
  | 'ErrCompacted'
  /** A requested log range is beyond the last index. */
  | 'ErrUnavailable'
  /** compact() was asked to drop entries that no snapshot covers. */
  | 'ErrCompactBeyondSnapshot'
  /** Durable Raft metadata (hard state, conf state, snapshot metadata) failed validation. */
  | 'ErrCorruptMetadata'
  /** The store was used after close(). */
  | 'ErrClosed';

/** A typed storage failure. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** True when `error` is a StorageError with the given code. */
export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}
