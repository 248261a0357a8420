import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeValueHeader, encodeValueHeader, VALUE_HEADER_BYTES } from './value-header.js';
import { isStorageError } from './storage-error.js';
import { hex } from './test/memory-storage.js';

describe('value header (spec §2.1)', () => {
  it('encodes the golden bytes: flags byte then LE64 expireAt', () => {
    expect(hex(encodeValueHeader({ tombstone: false, encryptionState: 'cleartext', expireAtMs: 0n }))).toBe(
      '000000000000000000',
    );
    expect(hex(encodeValueHeader({ tombstone: true, encryptionState: 'cleartext', expireAtMs: 0n }))).toBe(
      '010000000000000000',
    );
    expect(
      hex(encodeValueHeader({ tombstone: false, encryptionState: 'envelope', expireAtMs: 0x0102030405060708n })),
    ).toBe('020807060504030201');
    expect(VALUE_HEADER_BYTES).toBe(9);
  });

  it('decodes state 01 as envelope and reads expireAt little-endian', () => {
    const header = decodeValueHeader(Uint8Array.from([0x02, 0xe8, 0x03, 0, 0, 0, 0, 0, 0, 0xaa]));
    expect(header).toEqual({ tombstone: false, encryptionState: 'envelope', expireAtMs: 1000n });
  });

  it.each([
    ['enc_state 10', 0b100],
    ['enc_state 11', 0b110],
    ['enc_state 11 with tombstone', 0b111],
    ['bit 3', 0b1000],
    ['bit 7', 0x80],
  ])('rejects %s with ErrEncryptedValueReservedState', (_name, flags) => {
    const bytes = new Uint8Array(9);
    bytes[0] = flags;
    expect(() => decodeValueHeader(bytes)).toThrow(expect.objectContaining({ code: 'ErrEncryptedValueReservedState' }));
  });

  it('rejects a value shorter than the header as malformed', () => {
    expect(() => decodeValueHeader(new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'ErrMalformedRecord' }));
  });

  it('refuses to encode an encrypted tombstone (tombstones are never encrypted)', () => {
    expect(() => encodeValueHeader({ tombstone: true, encryptionState: 'envelope', expireAtMs: 0n })).toThrow(
      /tombstone/,
    );
  });

  it('round-trips every valid header and rejects every reserved flags byte', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (tombstone, envelope, expireAtMs) => {
          const header = {
            tombstone,
            encryptionState: envelope && !tombstone ? ('envelope' as const) : ('cleartext' as const),
            expireAtMs,
          };
          expect(decodeValueHeader(encodeValueHeader(header))).toEqual(header);
        },
      ),
    );
    for (let flags = 0; flags < 256; flags++) {
      const bytes = new Uint8Array(9);
      bytes[0] = flags;
      const valid = flags <= 0b011;
      let error: unknown = null;
      try {
        decodeValueHeader(bytes);
      } catch (caught) {
        error = caught;
      }
      expect(error === null, `flags 0x${flags.toString(16)}`).toBe(valid);
      if (!valid) expect(isStorageError(error, 'ErrEncryptedValueReservedState')).toBe(true);
    }
  });
});
