/**
 * The adapter from the storage layer's ValueCodec seam to the storage
 * envelope: one codec for FSM-apply writes (never gated on registration) and
 * one for direct writes (gated, ErrWriterNotRegistered before any nonce).
 */
import type { DecodeBodyInput, EncodeBodyInput, ValueCodec } from '../storage/value-codec.js';
import type { Keystore } from './keystore.js';
import type { NonceSource } from './nonce-factory.js';
import type { StateCache } from './state-cache.js';
import { decideStorageWrite, type StorageWritePath } from './storage-write-decision.js';
import { decryptStorageValue, encryptStorageValue } from './storage-envelope.js';
import { encodeValueHeader } from './value-header.js';

/** What the encrypting codec needs: the process keystore, the storage nonce factory, the state cache. */
export interface StorageCipherDeps {
  readonly keystore: Keystore;
  readonly nonces: NonceSource;
  readonly state: StateCache;
}

function codecFor(deps: StorageCipherDeps, path: StorageWritePath): ValueCodec {
  return {
    encodeBody(input: EncodeBodyInput) {
      const decision = decideStorageWrite({ cipherWired: true, state: deps.state, path });
      if (!decision.encrypt) return { encryptionState: 'cleartext' as const, body: input.plaintext };
      const stored = encryptStorageValue({
        keystore: deps.keystore,
        nonces: deps.nonces,
        keyId: decision.keyId,
        pebbleKey: input.mvccKey,
        expireAt: input.expireAtMs,
        plaintext: input.plaintext,
      });
      return { encryptionState: 'envelope' as const, body: stored.body };
    },
    decodeBody(input: DecodeBodyInput): Uint8Array {
      // Re-encode the decoded header: reserved states were already refused, so the bytes are exactly those on disk.
      const header = encodeValueHeader({
        tombstone: input.header.tombstone,
        encryptionState: input.header.encryptionState === 'envelope' ? 1 : 0,
        expireAt: input.header.expireAtMs,
      });
      return decryptStorageValue({ keystore: deps.keystore, header, pebbleKey: input.mvccKey, body: input.body }).value;
    },
  };
}

/** Codecs for a node with a wired storage cipher. */
export function createStorageValueCodecs(deps: StorageCipherDeps): {
  readonly apply: ValueCodec;
  readonly direct: ValueCodec;
} {
  return { apply: codecFor(deps, 'apply'), direct: codecFor(deps, 'direct') };
}
