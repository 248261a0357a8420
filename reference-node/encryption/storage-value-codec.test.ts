import { describe, expect, it } from 'vitest';
import {
  decodeValueHeader as storageDecodeHeader,
  encodeValueHeader as storageEncodeHeader,
} from '../storage/value-header.js';
import { isEncryptionError } from './errors.js';
import { Keystore } from './keystore.js';
import { NonceFactory } from './nonce-factory.js';
import { emptySidecar, type Sidecar } from './sidecar-codec.js';
import { StateCache } from './state-cache.js';
import { createStorageValueCodecs } from './storage-value-codec.js';
import { decideStorageWrite } from './storage-write-decision.js';
import { encodeValueHeader } from './value-header.js';
import { hex, keyBytes, thrown } from './test/fixtures.js';

const active = (flag: boolean): Sidecar => ({
  ...emptySidecar(),
  storageEnvelopeActive: flag,
  active: { storage: 9, raft: 0 },
  keys: new Map([[9, { purpose: 'storage' as const, wrapped: new Uint8Array(60), created: '', localEpoch: 1 }]]),
});

describe('storage write decision (spec §2.4)', () => {
  it('encrypts only with a cipher, an active DEK and the Phase-1 flag; gates only the direct path', () => {
    const state = new StateCache();
    expect(decideStorageWrite({ cipherWired: true, state, path: 'direct' })).toEqual({ encrypt: false });
    state.prime(active(false));
    expect(decideStorageWrite({ cipherWired: true, state, path: 'apply' })).toEqual({ encrypt: false });
    state.prime(active(true));
    expect(decideStorageWrite({ cipherWired: false, state, path: 'apply' })).toEqual({ encrypt: false });
    expect(decideStorageWrite({ cipherWired: true, state, path: 'apply' })).toEqual({ encrypt: true, keyId: 9 });
    expect(
      isEncryptionError(
        thrown(() => decideStorageWrite({ cipherWired: true, state, path: 'direct' })),
        'ErrWriterNotRegistered',
      ),
    ).toBe(true);
    state.markRegistered(9);
    expect(decideStorageWrite({ cipherWired: true, state, path: 'direct' })).toEqual({ encrypt: true, keyId: 9 });
  });
});

describe('ValueCodec adapter for the storage layer', () => {
  it('agrees byte-for-byte with the storage layer header and round-trips through both codecs', () => {
    for (const header of [
      { tombstone: false, enc: 1 as const, exp: 77n },
      { tombstone: true, enc: 0 as const, exp: 0n },
      { tombstone: false, enc: 0 as const, exp: (1n << 64n) - 1n },
    ]) {
      const mine = encodeValueHeader({
        tombstone: header.tombstone,
        encryptionState: header.enc,
        expireAt: header.exp,
      });
      const theirs = storageEncodeHeader({
        tombstone: header.tombstone,
        encryptionState: header.enc === 1 ? 'envelope' : 'cleartext',
        expireAtMs: header.exp,
      });
      expect(hex(mine)).toBe(hex(theirs));
    }
    const keystore = new Keystore();
    keystore.set(9, keyBytes(9));
    const nonces = new NonceFactory(1, 1);
    const state = new StateCache();
    state.prime(active(true));
    const codecs = createStorageValueCodecs({ keystore, nonces, state });
    const encoded = codecs.apply.encodeBody({ mvccKey: Buffer.from('k'), expireAtMs: 5n, plaintext: Buffer.from('v') });
    expect(encoded.encryptionState).toBe('envelope');
    const header = storageDecodeHeader(
      storageEncodeHeader({ tombstone: false, encryptionState: 'envelope', expireAtMs: 5n }),
    );
    expect(
      Buffer.from(codecs.direct.decodeBody({ mvccKey: Buffer.from('k'), header, body: encoded.body })).toString(),
    ).toBe('v');
    expect(
      isEncryptionError(
        thrown(() =>
          codecs.direct.encodeBody({ mvccKey: Buffer.from('k'), expireAtMs: 0n, plaintext: Buffer.from('v') }),
        ),
        'ErrWriterNotRegistered',
      ),
    ).toBe(true);
    expect(nonces.writeCount).toBe(1n);
    state.prime(null);
    expect(
      codecs.direct.encodeBody({ mvccKey: Buffer.from('k'), expireAtMs: 0n, plaintext: Buffer.from('v') })
        .encryptionState,
    ).toBe('cleartext');
  });
});
