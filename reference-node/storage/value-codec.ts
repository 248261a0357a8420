/**
 * The seam where the encryption layer transforms MVCC value bodies.
 *
 * The store builds the 9-byte header itself and asks the codec for the body:
 * on write, the codec may return a storage envelope (state 01, spec §2.4); on
 * read, it turns the stored body back into plaintext (decrypting state 01, or
 * running the rebadge guard on state 00, spec §2.5). Tombstones bypass the
 * write side (they are never encrypted) but still pass through `decodeBody`,
 * so the codec sees every version it could have to verify.
 */
import type { EncryptionState, ValueHeader } from './value-header.js';
import { StorageError } from './storage-error.js';

/** What the codec needs to encode one version's body. */
export interface EncodeBodyInput {
  /** The full MVCC key of the version (the AAD's pebble_key). */
  readonly mvccKey: Uint8Array;
  /** The expireAt the header will carry. */
  readonly expireAtMs: bigint;
  readonly plaintext: Uint8Array;
}

/** What the codec needs to decode one stored version's body. */
export interface DecodeBodyInput {
  readonly mvccKey: Uint8Array;
  /** The header exactly as stored on disk. */
  readonly header: ValueHeader;
  readonly body: Uint8Array;
}

/** Transforms value bodies between plaintext and their stored form. */
export interface ValueCodec {
  /** Returns the stored body and the enc_state the header must carry. */
  encodeBody(input: EncodeBodyInput): { readonly encryptionState: EncryptionState; readonly body: Uint8Array };
  /** Returns the plaintext; throws a typed error, never returns "not found", on failure. */
  decodeBody(input: DecodeBodyInput): Uint8Array;
}

/** The codec of a node without a cipher: cleartext out, and state-01 values refused on read. */
export const cleartextValueCodec: ValueCodec = Object.freeze({
  encodeBody(input: EncodeBodyInput) {
    return { encryptionState: 'cleartext' as const, body: input.plaintext };
  },
  decodeBody(input: DecodeBodyInput): Uint8Array {
    if (input.header.encryptionState === 'envelope') {
      throw new StorageError(
        'ErrEncryptedValueWithoutCipher',
        'an encrypted (state 01) value was read on a node without a storage cipher',
      );
    }
    return input.body;
  },
});
