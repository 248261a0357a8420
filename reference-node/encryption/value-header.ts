/**
 * The 9-byte MVCC value header (spec §2.1): byte 0 = flags (bit 0 tombstone,
 * bits 1–2 encryption_state, bits 3–7 zero), bytes 1–8 = expireAt as LE uint64.
 * The encryption discriminator lives here, out of band, never in the value bytes.
 */
import { EncryptionError } from './errors.js';

/** Length of the value header in bytes. */
export const VALUE_HEADER_BYTES = 9;
/** encryption_state 00: the body is plaintext. */
export const ENCRYPTION_STATE_CLEARTEXT = 0;
/** encryption_state 01: the body is a storage envelope. */
export const ENCRYPTION_STATE_ENVELOPE = 1;

const TOMBSTONE_BIT = 0x01;
const STATE_SHIFT = 1;
const STATE_MASK = 0x06;
const RESERVED_BITS = 0xf8;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** A decoded value header. */
export interface ValueHeader {
  readonly tombstone: boolean;
  readonly encryptionState: typeof ENCRYPTION_STATE_CLEARTEXT | typeof ENCRYPTION_STATE_ENVELOPE;
  /** Expiry (0 = none), uint64. */
  readonly expireAt: bigint;
}

/** Serialise a value header. */
export function encodeValueHeader(header: ValueHeader): Uint8Array {
  if (header.expireAt < 0n || header.expireAt > UINT64_MAX)
    throw new Error(`value header: expireAt ${header.expireAt} is not a uint64`);
  const out = Buffer.alloc(VALUE_HEADER_BYTES);
  out[0] = (header.tombstone ? TOMBSTONE_BIT : 0) | (header.encryptionState << STATE_SHIFT);
  out.writeBigUInt64LE(header.expireAt, 1);
  return out;
}

/** Parse the first 9 bytes of a stored value; reserved states and bits give ErrEncryptedValueReservedState. */
export function decodeValueHeader(bytes: Uint8Array): ValueHeader {
  if (bytes.length < VALUE_HEADER_BYTES)
    throw new EncryptionError(
      'ErrValueHeaderShort',
      `value is ${bytes.length} bytes, shorter than the ${VALUE_HEADER_BYTES}-byte header`,
    );
  const flags = bytes[0] ?? 0;
  const state = (flags & STATE_MASK) >> STATE_SHIFT;
  if ((flags & RESERVED_BITS) !== 0 || (state !== ENCRYPTION_STATE_CLEARTEXT && state !== ENCRYPTION_STATE_ENVELOPE)) {
    throw new EncryptionError(
      'ErrEncryptedValueReservedState',
      `value header flags 0x${flags.toString(16).padStart(2, '0')} use a reserved encryption state or bit`,
    );
  }
  return {
    tombstone: (flags & TOMBSTONE_BIT) !== 0,
    encryptionState: state,
    expireAt: Buffer.from(bytes.buffer, bytes.byteOffset, VALUE_HEADER_BYTES).readBigUInt64LE(1),
  };
}
