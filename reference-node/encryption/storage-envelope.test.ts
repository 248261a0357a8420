import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openAead, sealAead } from './aead.js';
import { raftAad, storageAad } from './aad.js';
import { EncryptionError, isEncryptionError } from './errors.js';
import { Keystore } from './keystore.js';
import { NonceFactory } from './nonce-factory.js';
import { decryptStorageValue, encodeCleartextValue, encryptStorageValue } from './storage-envelope.js';
import { hex, keyBytes, thrown } from './test/fixtures.js';
import { decodeValueHeader, encodeValueHeader } from './value-header.js';

const KEY_ID = 0x01020304;

function fixture(): { keystore: Keystore; nonces: NonceFactory } {
  const keystore = new Keystore();
  keystore.set(KEY_ID, keyBytes(3));
  return { keystore, nonces: new NonceFactory(0xbeef, 2) };
}

describe('AES-256-GCM known answers (NIST GCM test cases 13 and 14)', () => {
  it('matches the published ciphertext and tag', () => {
    const ks = new Keystore();
    ks.set(1, new Uint8Array(32));
    const nonce = new Uint8Array(12);
    expect(hex(sealAead(ks, 1, nonce, new Uint8Array(0), new Uint8Array(0)))).toBe('530f8afbc74536b9a963b4f1c4cb738b');
    expect(hex(sealAead(ks, 1, nonce, new Uint8Array(16), new Uint8Array(0)))).toBe(
      'cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919',
    );
    expect(hex(openAead(ks, 1, nonce, Buffer.from('530f8afbc74536b9a963b4f1c4cb738b', 'hex'), new Uint8Array(0)))).toBe(
      '',
    );
  });
});

describe('value header and AADs (spec §2.1, §2.3, §2.6)', () => {
  it('lays out the 9-byte value header (golden)', () => {
    expect(hex(encodeValueHeader({ tombstone: false, encryptionState: 1, expireAt: 0x0102n }))).toBe(
      '020201000000000000',
    );
    expect(hex(encodeValueHeader({ tombstone: true, encryptionState: 0, expireAt: 0n }))).toBe('010000000000000000');
    expect(decodeValueHeader(Buffer.from('020201000000000000', 'hex'))).toEqual({
      tombstone: false,
      encryptionState: 1,
      expireAt: 0x0102n,
    });
  });

  it('rejects reserved states 10/11 and bits 3-7', () => {
    for (const flags of [0x04, 0x06, 0x08, 0x80, 0x0a]) {
      const header = new Uint8Array(9);
      header[0] = flags;
      expect(
        isEncryptionError(
          thrown(() => decodeValueHeader(header)),
          'ErrEncryptedValueReservedState',
        ),
      ).toBe(true);
    }
    expect(
      isEncryptionError(
        thrown(() => decodeValueHeader(new Uint8Array(8))),
        'ErrValueHeaderShort',
      ),
    ).toBe(true);
  });

  it('builds the storage AAD as version ‖ flag ‖ key_id ‖ value_header ‖ pebble_key (golden)', () => {
    const valueHeader = encodeValueHeader({ tombstone: false, encryptionState: 1, expireAt: 0x10n });
    const aad = storageAad({
      version: 1,
      flag: 0,
      keyId: KEY_ID,
      valueHeader,
      pebbleKey: Buffer.from('6b00ff', 'hex'),
    });
    expect(hex(aad)).toBe('01' + '00' + '01020304' + '021000000000000000' + '6b00ff');
  });

  it('builds the raft AAD as 0x52 ‖ version ‖ key_id (golden)', () => {
    expect(hex(raftAad(1, KEY_ID))).toBe('520101020304');
  });
});

describe('storage envelope write and read (spec §2.4, §2.5)', () => {
  it('encrypts with header flags 0x02, envelope key id and the factory nonce, and decrypts back', () => {
    const { keystore, nonces } = fixture();
    const stored = encryptStorageValue({
      keystore,
      nonces,
      keyId: KEY_ID,
      pebbleKey: Buffer.from('k1'),
      expireAt: 77n,
      plaintext: Buffer.from('hello'),
    });
    expect(hex(stored.header)).toBe('024d00000000000000');
    expect(hex(stored.body.subarray(0, 18))).toBe('0100' + '01020304' + 'beef0002' + '0000000000000001');
    expect(stored.body.length).toBe(34 + 5);
    const read = decryptStorageValue({
      keystore,
      header: stored.header,
      pebbleKey: Buffer.from('k1'),
      body: stored.body,
    });
    expect(read).toMatchObject({ tombstone: false, expireAt: 77n, encrypted: true });
    expect(Buffer.from(read.value).toString()).toBe('hello');
  });

  it('normalises an empty plaintext to a non-null empty value', () => {
    const { keystore, nonces } = fixture();
    const stored = encryptStorageValue({
      keystore,
      nonces,
      keyId: KEY_ID,
      pebbleKey: Buffer.from('k'),
      expireAt: 0n,
      plaintext: new Uint8Array(0),
    });
    const read = decryptStorageValue({
      keystore,
      header: stored.header,
      pebbleKey: Buffer.from('k'),
      body: stored.body,
    });
    expect(read.value).toBeInstanceOf(Uint8Array);
    expect(read.value.length).toBe(0);
  });

  it('refuses an unknown key without consuming a nonce, and a relocated blob fails integrity', () => {
    const { keystore, nonces } = fixture();
    expect(
      isEncryptionError(
        thrown(() =>
          encryptStorageValue({
            keystore,
            nonces,
            keyId: 9,
            pebbleKey: Buffer.from('k'),
            expireAt: 0n,
            plaintext: Buffer.from('v'),
          }),
        ),
        'ErrUnknownKeyID',
      ),
    ).toBe(true);
    expect(nonces.writeCount).toBe(0n);
    const stored = encryptStorageValue({
      keystore,
      nonces,
      keyId: KEY_ID,
      pebbleKey: Buffer.from('k'),
      expireAt: 0n,
      plaintext: Buffer.from('v'),
    });
    const err = thrown(() =>
      decryptStorageValue({ keystore, header: stored.header, pebbleKey: Buffer.from('other'), body: stored.body }),
    );
    expect(isEncryptionError(err, 'ErrEncryptedReadIntegrity')).toBe(true);
    expect(isEncryptionError(err, 'ErrIntegrity')).toBe(true);
    const stranger = new Keystore();
    stranger.set(5, keyBytes(5));
    expect(
      isEncryptionError(
        thrown(() =>
          decryptStorageValue({
            keystore: stranger,
            header: stored.header,
            pebbleKey: Buffer.from('k'),
            body: stored.body,
          }),
        ),
        'ErrUnknownKeyID',
      ),
    ).toBe(true);
    expect(
      isEncryptionError(
        thrown(() =>
          decryptStorageValue({
            keystore: null,
            header: stored.header,
            pebbleKey: Buffer.from('k'),
            body: stored.body,
          }),
        ),
        'ErrEncryptedValueNoCipher',
      ),
    ).toBe(true);
  });

  it('reads cleartext versions as they are, tombstones with an empty body', () => {
    const { keystore } = fixture();
    const value = encodeCleartextValue({ tombstone: false, expireAt: 0n, plaintext: Buffer.from('x'.repeat(60)) });
    expect(
      Buffer.from(
        decryptStorageValue({ keystore, header: value.header, pebbleKey: Buffer.from('k'), ...{ body: value.body } })
          .value,
      ).toString(),
    ).toBe('x'.repeat(60));
    const tomb = encodeCleartextValue({ tombstone: true, expireAt: 0n, plaintext: Buffer.from('ignored') });
    expect(hex(tomb.header)).toBe('010000000000000000');
    expect(
      decryptStorageValue({ keystore, header: tomb.header, pebbleKey: Buffer.from('k'), body: tomb.body }),
    ).toMatchObject({ tombstone: true, encrypted: false });
  });

  it('rebadge guard: an envelope flipped to state 00 fails instead of returning ciphertext as cleartext', () => {
    const { keystore, nonces } = fixture();
    for (const expireAt of [0n, 1234n]) {
      const stored = encryptStorageValue({
        keystore,
        nonces,
        keyId: KEY_ID,
        pebbleKey: Buffer.from('k'),
        expireAt,
        plaintext: Buffer.from('secret'),
      });
      const rebadged = Buffer.from(stored.header);
      rebadged[0] = 0x00;
      const err = thrown(() =>
        decryptStorageValue({ keystore, header: rebadged, pebbleKey: Buffer.from('k'), body: stored.body }),
      );
      expect(isEncryptionError(err, 'ErrEncryptedReadIntegrity')).toBe(true);
    }
  });

  it('any single-bit change of ciphertext, tag, nonce, key id, header or pebble key fails to decrypt (property)', () => {
    const { keystore, nonces } = fixture();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 1, maxLength: 24 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.nat(),
        (plaintext, pebbleKey, expireAt, bitSeed) => {
          const stored = encryptStorageValue({ keystore, nonces, keyId: KEY_ID, pebbleKey, expireAt, plaintext });
          const all = Buffer.concat([stored.header, stored.body, pebbleKey]);
          const bit = bitSeed % (all.length * 8);
          all[bit >> 3] = (all[bit >> 3] ?? 0) ^ (1 << (bit & 7));
          const header = all.subarray(0, 9);
          const body = all.subarray(9, 9 + stored.body.length);
          const key = all.subarray(9 + stored.body.length);
          const err = thrown(() => decryptStorageValue({ keystore, header, pebbleKey: key, body }));
          expect(err).toBeInstanceOf(EncryptionError);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
