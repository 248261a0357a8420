/**
 * AES-256-GCM seal/open against the keystore, with the cipher errors of
 * spec §1.4 (ErrNilKeystore, ErrReservedKeyID, ErrBadNonceSize,
 * ErrUnknownKeyID, ErrIntegrity).
 */
import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { EncryptionError } from './errors.js';
import { assertKeyId } from './key-id.js';
import { NONCE_BYTES, TAG_BYTES } from './kek-file.js';
import type { Keystore } from './keystore.js';

function keyFor(keystore: Keystore | null, keyId: number, nonce: Uint8Array): KeyObject {
  if (keystore === null) throw new EncryptionError('ErrNilKeystore', 'no keystore is wired');
  assertKeyId(keyId);
  if (nonce.length !== NONCE_BYTES)
    throw new EncryptionError('ErrBadNonceSize', `nonce is ${nonce.length} bytes, want ${NONCE_BYTES}`);
  const key = keystore.keyObject(keyId);
  if (key === undefined) throw new EncryptionError('ErrUnknownKeyID', `key id ${keyId} is not loaded`);
  return key;
}

/**
 * Throws the cipher error a seal under `keyId` would hit (ErrNilKeystore,
 * ErrReservedKeyID, ErrUnknownKeyID). Callers check this before taking a
 * nonce, so a refused write consumes no counter value.
 */
export function assertSealable(keystore: Keystore | null, keyId: number): void {
  keyFor(keystore, keyId, new Uint8Array(NONCE_BYTES));
}

/** `ciphertext ‖ tag` of `plaintext` under DEK `keyId`. */
export function sealAead(
  keystore: Keystore | null,
  keyId: number,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', keyFor(keystore, keyId, nonce), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Plaintext of `sealed` (= ciphertext ‖ tag); ErrIntegrity (with the GCM error as cause) on any mismatch. */
export function openAead(
  keystore: Keystore | null,
  keyId: number,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const key = keyFor(keystore, keyId, nonce);
  if (sealed.length < TAG_BYTES)
    throw new EncryptionError('ErrIntegrity', `sealed data is ${sealed.length} bytes, shorter than the GCM tag`);
  const body = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new EncryptionError('ErrIntegrity', `GCM authentication failed under key id ${keyId}`, { cause });
  }
}
