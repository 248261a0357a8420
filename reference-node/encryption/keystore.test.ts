import { describe, expect, it } from 'vitest';
import { openAead, sealAead } from './aead.js';
import { isEncryptionError } from './errors.js';
import { Keystore } from './keystore.js';
import { keyBytes, thrown } from './test/fixtures.js';

describe('Keystore (spec §1.4)', () => {
  it('Set is idempotent for identical bytes and refuses different bytes without overwriting', () => {
    const ks = new Keystore();
    ks.set(7, keyBytes(1));
    ks.set(7, keyBytes(1));
    expect(
      isEncryptionError(
        thrown(() => ks.set(7, keyBytes(2))),
        'ErrKeyConflict',
      ),
    ).toBe(true);
    const nonce = new Uint8Array(12);
    const sealed = sealAead(ks, 7, nonce, Buffer.from('x'), new Uint8Array(0));
    const other = new Keystore();
    other.set(7, keyBytes(1));
    expect(Buffer.from(openAead(other, 7, nonce, sealed, new Uint8Array(0))).toString()).toBe('x');
  });

  it('rejects the reserved id 0, non-uint32 ids and keys that are not 32 bytes', () => {
    const ks = new Keystore();
    expect(
      isEncryptionError(
        thrown(() => ks.set(0, keyBytes(1))),
        'ErrReservedKeyID',
      ),
    ).toBe(true);
    expect(
      isEncryptionError(
        thrown(() => ks.set(2 ** 32, keyBytes(1))),
        'ErrBadKeyID',
      ),
    ).toBe(true);
    expect(
      isEncryptionError(
        thrown(() => ks.set(1, new Uint8Array(16))),
        'ErrBadKeySize',
      ),
    ).toBe(true);
    expect(ks.ids()).toEqual([]);
  });

  it('returns ids sorted, and Delete of an absent id is a no-op', () => {
    const ks = new Keystore();
    for (const id of [300, 5, 0xffffffff, 42]) ks.set(id, keyBytes(id & 0xff));
    expect(ks.ids()).toEqual([5, 42, 300, 0xffffffff]);
    ks.delete(9);
    ks.delete(42);
    expect(ks.ids()).toEqual([5, 300, 0xffffffff]);
  });

  it('maps cipher failures to the typed errors', () => {
    const ks = new Keystore();
    ks.set(1, keyBytes(1));
    const n = new Uint8Array(12);
    const e = new Uint8Array(0);
    expect(
      isEncryptionError(
        thrown(() => sealAead(null, 1, n, e, e)),
        'ErrNilKeystore',
      ),
    ).toBe(true);
    expect(
      isEncryptionError(
        thrown(() => sealAead(ks, 0, n, e, e)),
        'ErrReservedKeyID',
      ),
    ).toBe(true);
    expect(
      isEncryptionError(
        thrown(() => sealAead(ks, 1, new Uint8Array(11), e, e)),
        'ErrBadNonceSize',
      ),
    ).toBe(true);
    expect(
      isEncryptionError(
        thrown(() => sealAead(ks, 2, n, e, e)),
        'ErrUnknownKeyID',
      ),
    ).toBe(true);
    const sealed = sealAead(ks, 1, n, Buffer.from('abc'), e);
    const err = thrown(() => openAead(ks, 1, n, sealed, Buffer.from('other aad')));
    expect(isEncryptionError(err, 'ErrIntegrity')).toBe(true);
    expect((err as Error).cause).toBeInstanceOf(Error);
  });
});
