/**
 * The envelope byte layout shared by the storage and raft envelopes (spec §2.2):
 *
 * ```
 * offset 0     1     2..5         6..17      18..N+18     last 16
 *        ver   flag  key_id BE32  nonce[12]  ciphertext   GCM tag
 * ```
 */
import { EncryptionError } from './errors.js';
import { NONCE_BYTES, TAG_BYTES } from './kek-file.js';

/** The only envelope version this binary writes and reads (0x02–0x0F are reserved). */
export const ENVELOPE_VERSION = 0x01;
/** Bytes of header AAD: version, flag, key_id. */
export const ENVELOPE_HEADER_BYTES = 6;
/** Offset of the nonce inside an envelope. */
export const ENVELOPE_NONCE_OFFSET = ENVELOPE_HEADER_BYTES;
/** Offset of the ciphertext inside an envelope. */
export const ENVELOPE_CIPHERTEXT_OFFSET = ENVELOPE_NONCE_OFFSET + NONCE_BYTES;
/** Fixed overhead: header 6 + nonce 12 + tag 16. */
export const ENVELOPE_OVERHEAD_BYTES = ENVELOPE_CIPHERTEXT_OFFSET + TAG_BYTES;
/** Flag bit 0: the plaintext was snappy-compressed (always 0 today; Stage 9). */
export const ENVELOPE_FLAG_SNAPPY = 0x01;

/** A decoded envelope. `sealed` is `ciphertext ‖ tag` (at least 16 bytes). */
export interface Envelope {
  readonly version: number;
  readonly flag: number;
  readonly keyId: number;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
}

/** Serialise an envelope (version is always 0x01). */
export function encodeEnvelope(parts: {
  readonly flag: number;
  readonly keyId: number;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
}): Uint8Array {
  if (parts.nonce.length !== NONCE_BYTES)
    throw new EncryptionError('ErrBadNonceSize', `nonce is ${parts.nonce.length} bytes, want ${NONCE_BYTES}`);
  if (parts.sealed.length < TAG_BYTES)
    throw new Error(`envelope: sealed part is ${parts.sealed.length} bytes, shorter than the tag`);
  const out = Buffer.alloc(ENVELOPE_CIPHERTEXT_OFFSET + parts.sealed.length);
  out[0] = ENVELOPE_VERSION;
  out[1] = parts.flag & 0xff;
  out.writeUInt32BE(parts.keyId, 2);
  out.set(parts.nonce, ENVELOPE_NONCE_OFFSET);
  out.set(parts.sealed, ENVELOPE_CIPHERTEXT_OFFSET);
  return out;
}

/** Parse an envelope: ErrEnvelopeShort under 34 bytes, ErrEnvelopeVersion for a version other than 0x01. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length < ENVELOPE_OVERHEAD_BYTES) {
    throw new EncryptionError(
      'ErrEnvelopeShort',
      `envelope is ${bytes.length} bytes, shorter than the ${ENVELOPE_OVERHEAD_BYTES}-byte overhead`,
    );
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = view[0] ?? 0;
  if (version !== ENVELOPE_VERSION)
    throw new EncryptionError(
      'ErrEnvelopeVersion',
      `envelope version 0x${version.toString(16).padStart(2, '0')} is not 0x01`,
    );
  return {
    version,
    flag: view[1] ?? 0,
    keyId: view.readUInt32BE(2),
    nonce: view.subarray(ENVELOPE_NONCE_OFFSET, ENVELOPE_CIPHERTEXT_OFFSET),
    sealed: view.subarray(ENVELOPE_CIPHERTEXT_OFFSET),
  };
}
