/**
 * The 9-byte header in front of every MVCC value (spec §2.1):
 *
 * ```
 * byte 0     bit 0 tombstone, bits 1-2 enc_state (00 cleartext, 01 envelope), bits 3-7 zero
 * bytes 1-8  expireAt, LE uint64, HLC milliseconds (0 = never expires)
 * ```
 *
 * enc_state 10/11 and any of bits 3-7 are rejected with
 * `ErrEncryptedValueReservedState`: the discriminator lives here, out of band,
 * and an unknown state must never be read as cleartext.
 */
import { StorageError } from './storage-error.js';

/** Length of the value header in bytes. */
export const VALUE_HEADER_BYTES = 9;

/** The encryption state of a stored value: cleartext or storage envelope. */
export type EncryptionState = 'cleartext' | 'envelope';

/** A decoded value header. */
export interface ValueHeader {
  readonly tombstone: boolean;
  readonly encryptionState: EncryptionState;
  /** HLC milliseconds after which the version is invisible; 0n = no expiry. */
  readonly expireAtMs: bigint;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** Encodes a value header into its 9 bytes. */
export function encodeValueHeader(header: ValueHeader): Uint8Array {
  if (header.expireAtMs < 0n || header.expireAtMs > UINT64_MAX) {
    throw new RangeError(`expireAt ${header.expireAtMs} is not a uint64`);
  }
  if (header.tombstone && header.encryptionState !== 'cleartext') {
    // Spec §2.1: tombstones are never encrypted.
    throw new Error('assertion failed: a tombstone must have enc_state 00');
  }
  const out = new Uint8Array(VALUE_HEADER_BYTES);
  out[0] = (header.tombstone ? 0b1 : 0) | (header.encryptionState === 'envelope' ? 0b010 : 0);
  new DataView(out.buffer).setBigUint64(1, header.expireAtMs, true);
  return out;
}

/** Decodes the header at the start of a stored value; rejects reserved states. */
export function decodeValueHeader(value: Uint8Array): ValueHeader {
  if (value.length < VALUE_HEADER_BYTES) {
    throw new StorageError(
      'ErrMalformedRecord',
      `stored value is ${value.length} bytes, shorter than the 9-byte header`,
    );
  }
  const flags = value[0]!;
  const state = (flags >> 1) & 0b11;
  if ((flags & 0b1111_1000) !== 0 || state === 0b10 || state === 0b11) {
    throw new StorageError(
      'ErrEncryptedValueReservedState',
      `value header flags 0x${flags.toString(16).padStart(2, '0')} use a reserved encryption state or reserved bits`,
    );
  }
  return {
    tombstone: (flags & 0b1) === 1,
    encryptionState: state === 0b01 ? 'envelope' : 'cleartext',
    expireAtMs: new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(1, true),
  };
}
