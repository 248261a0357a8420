/**
 * The file KEK provider (spec §1.1) and the DEK wrap format
 * `nonce(12, random) ‖ AES-256-GCM_KEK(dek32, AAD=∅)` = 60 bytes.
 */
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { EncryptionError } from './errors.js';

/** KEK, DEK length in bytes (AES-256). */
export const KEY_BYTES = 32;
/** GCM nonce length in bytes. */
export const NONCE_BYTES = 12;
/** GCM tag length in bytes. */
export const TAG_BYTES = 16;
/** Length of a KEK-wrapped DEK: nonce 12 + DEK 32 + tag 16. */
export const WRAPPED_DEK_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;

/** What the node needs from a KEK: wrap and unwrap DEKs (nothing else touches it). */
export interface Kek {
  /** Wrap a 32-byte DEK into the 60-byte format with a fresh random nonce. */
  wrapDek(dek: Uint8Array): Uint8Array;
  /** Unwrap a 60-byte wrapped DEK; ErrWrappedDEKSize for other lengths, ErrKEKUnwrap on a tag mismatch. */
  unwrapDek(wrapped: Uint8Array): Uint8Array;
}

class AesGcmKek implements Kek {
  readonly #key: KeyObject;

  constructor(keyBytes: Uint8Array) {
    this.#key = createSecretKey(Buffer.from(keyBytes));
  }

  wrapDek(dek: Uint8Array): Uint8Array {
    if (dek.length !== KEY_BYTES)
      throw new EncryptionError('ErrBadKeySize', `DEK is ${dek.length} bytes, want ${KEY_BYTES}`);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    return Buffer.concat([nonce, cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
  }

  unwrapDek(wrapped: Uint8Array): Uint8Array {
    if (wrapped.length !== WRAPPED_DEK_BYTES) {
      throw new EncryptionError(
        'ErrWrappedDEKSize',
        `wrapped DEK is ${wrapped.length} bytes, want ${WRAPPED_DEK_BYTES}`,
      );
    }
    const bytes = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.length);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(bytes.subarray(NONCE_BYTES + KEY_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new EncryptionError('ErrKEKUnwrap', 'wrapped DEK does not verify under this KEK', { cause });
    }
  }
}

/** A KEK from 32 raw bytes (tests and the offline DEK helper; the node loads a file). */
export function kekFromBytes(keyBytes: Uint8Array): Kek {
  if (keyBytes.length !== KEY_BYTES)
    throw new EncryptionError('ErrKEKFileSize', `KEK is ${keyBytes.length} bytes, want exactly ${KEY_BYTES}`);
  return new AesGcmKek(keyBytes);
}

/**
 * Load the KEK from `path`: a regular file, no group/other permission bits,
 * exactly 32 raw bytes. The open is non-blocking and the read bounded, so a
 * FIFO or /dev/zero fails fast instead of hanging or filling memory.
 */
export async function loadKekFile(path: string): Promise<Kek> {
  if (path === '') throw new EncryptionError('ErrKEKFileRead', 'KEK file path is empty');
  let handle;
  try {
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (cause) {
    throw new EncryptionError('ErrKEKFileRead', `cannot open KEK file ${path}`, { cause });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new EncryptionError('ErrKEKFileNotRegular', `KEK file ${path} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      throw new EncryptionError(
        'ErrInsecureKEKFile',
        `KEK file ${path} has mode ${(stat.mode & 0o777).toString(8)}; group/other bits must be 0 (chmod 600)`,
      );
    }
    // Read one byte more than allowed so an oversized file is detected without reading it all.
    const buffer = Buffer.alloc(KEY_BYTES + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0 || filled + bytesRead === buffer.length) {
        filled += bytesRead;
        break;
      }
      filled += bytesRead;
    }
    if (filled !== KEY_BYTES)
      throw new EncryptionError(
        'ErrKEKFileSize',
        `KEK file ${path} holds ${filled > KEY_BYTES ? 'more than 32' : String(filled)} bytes, want exactly ${KEY_BYTES} raw bytes`,
      );
    return kekFromBytes(buffer.subarray(0, KEY_BYTES));
  } catch (err) {
    if (err instanceof EncryptionError) throw err;
    throw new EncryptionError('ErrKEKFileRead', `cannot read KEK file ${path}`, { cause: err });
  } finally {
    await handle.close();
  }
}
