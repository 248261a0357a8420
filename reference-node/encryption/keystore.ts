/**
 * The process-wide keystore (spec §1.4): a copy-on-write map id → DEK with a
 * prebuilt key object. Shared by the storage cipher, the raft envelope and the
 * appliers; there is exactly one per process.
 */
import { createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { EncryptionError } from './errors.js';
import { assertKeyId } from './key-id.js';
import { KEY_BYTES } from './kek-file.js';

interface LoadedKey {
  readonly bytes: Buffer;
  readonly key: KeyObject;
}

/** id → DEK. `set` is idempotent for identical bytes and refuses to overwrite different bytes. */
export class Keystore {
  // Copy-on-write: readers holding the previous map are never affected by a set/delete.
  #keys: ReadonlyMap<number, LoadedKey> = new Map();

  /**
   * Load `dek` under `id`. Absent → insert; present with identical bytes →
   * no-op (replay, hydration); present with other bytes → ErrKeyConflict.
   */
  set(id: number, dek: Uint8Array): void {
    assertKeyId(id);
    if (dek.length !== KEY_BYTES)
      throw new EncryptionError('ErrBadKeySize', `DEK for key id ${id} is ${dek.length} bytes, want ${KEY_BYTES}`);
    const existing = this.#keys.get(id);
    if (existing !== undefined) {
      if (timingSafeEqual(existing.bytes, dek)) return;
      throw new EncryptionError('ErrKeyConflict', `key id ${id} is already loaded with different key bytes`);
    }
    const bytes = Buffer.from(dek);
    const next = new Map(this.#keys);
    next.set(id, { bytes, key: createSecretKey(bytes) });
    this.#keys = next;
  }

  /** Remove `id`; a no-op if it is absent. */
  delete(id: number): void {
    if (!this.#keys.has(id)) return;
    const next = new Map(this.#keys);
    next.delete(id);
    this.#keys = next;
  }

  /** True if `id` is loaded. */
  has(id: number): boolean {
    return this.#keys.has(id);
  }

  /** The prebuilt key object for `id`, or undefined. */
  keyObject(id: number): KeyObject | undefined {
    return this.#keys.get(id)?.key;
  }

  /** Loaded ids in ascending order (the rebadge guard iterates these). */
  ids(): number[] {
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }
}
