import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncryptionError, isEncryptionError } from './errors.js';
import { Keystore } from './keystore.js';
import { NonceFactory } from './nonce-factory.js';
import { unwrapRaftPayload, wrapRaftPayload } from './raft-envelope.js';
import { encryptStorageValue } from './storage-envelope.js';
import { hex, keyBytes, thrown } from './test/fixtures.js';

function fixture(): { keystore: Keystore; nonces: NonceFactory } {
  const keystore = new Keystore();
  keystore.set(11, keyBytes(11));
  keystore.set(22, keyBytes(22));
  return { keystore, nonces: new NonceFactory(0x0102, 5) };
}

describe('raft envelope (spec §2.6)', () => {
  it('wraps with flag 0 and the raft DEK, and unwraps back', () => {
    const { keystore, nonces } = fixture();
    const wrapped = wrapRaftPayload({ keystore, nonces, keyId: 22, payload: Buffer.from([0x00, 1, 2, 3]) });
    expect(hex(wrapped.subarray(0, 18))).toBe('0100' + '00000016' + '01020005' + '0000000000000001');
    expect(hex(unwrapRaftPayload(keystore, wrapped))).toBe('00010203');
  });

  it('ignores the unauthenticated flag byte, as the production decoder does', () => {
    const { keystore, nonces } = fixture();
    const wrapped = Buffer.from(wrapRaftPayload({ keystore, nonces, keyId: 22, payload: Buffer.from('p') }));
    wrapped[1] = 0x7f;
    expect(Buffer.from(unwrapRaftPayload(keystore, wrapped)).toString()).toBe('p');
  });

  it('a storage envelope fed to the raft unwrap fails with ErrIntegrity (different AADs)', () => {
    const { keystore, nonces } = fixture();
    const stored = encryptStorageValue({
      keystore,
      nonces,
      keyId: 11,
      pebbleKey: new Uint8Array(0),
      expireAt: 0n,
      plaintext: Buffer.from('v'),
    });
    expect(
      isEncryptionError(
        thrown(() => unwrapRaftPayload(keystore, stored.body)),
        'ErrIntegrity',
      ),
    ).toBe(true);
  });

  it('refuses an unknown DEK before consuming a nonce', () => {
    const { keystore, nonces } = fixture();
    expect(
      isEncryptionError(
        thrown(() => wrapRaftPayload({ keystore, nonces, keyId: 99, payload: Buffer.from('p') })),
        'ErrUnknownKeyID',
      ),
    ).toBe(true);
    expect(nonces.writeCount).toBe(0n);
  });

  it('any single-bit change outside the flag byte fails to unwrap (property)', () => {
    const { keystore, nonces } = fixture();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (payload, bitSeed) => {
        const wrapped = Buffer.from(wrapRaftPayload({ keystore, nonces, keyId: 22, payload }));
        let bit = bitSeed % (wrapped.length * 8);
        if (bit >> 3 === 1) bit += 8; // the flag byte is documented as unauthenticated
        wrapped[bit >> 3] = (wrapped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(thrown(() => unwrapRaftPayload(keystore, wrapped))).toBeInstanceOf(EncryptionError);
      }),
      { numRuns: 2000 },
    );
  });
});
