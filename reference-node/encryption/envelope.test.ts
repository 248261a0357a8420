import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_OVERHEAD_BYTES } from './envelope.js';
import { EncryptionError, isEncryptionError } from './errors.js';
import { hex, thrown } from './test/fixtures.js';

describe('envelope layout (spec §2.2)', () => {
  it('encodes ver ‖ flag ‖ key_id BE32 ‖ nonce ‖ ciphertext ‖ tag (golden)', () => {
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    const sealed = Uint8Array.from({ length: 19 }, (_, i) => i);
    const bytes = encodeEnvelope({ flag: 0, keyId: 0x12345678, nonce, sealed });
    expect(hex(bytes)).toBe(
      '0100' + '12345678' + 'a0a1a2a3a4a5a6a7a8a9aaab' + '000102' + '030405060708090a0b0c0d0e0f101112',
    );
    expect(bytes.length).toBe(ENVELOPE_OVERHEAD_BYTES + 3);
  });

  it('rejects anything shorter than 34 bytes with ErrEnvelopeShort and other versions with ErrEnvelopeVersion', () => {
    expect(
      isEncryptionError(
        thrown(() => decodeEnvelope(new Uint8Array(33).fill(1))),
        'ErrEnvelopeShort',
      ),
    ).toBe(true);
    for (const version of [0x00, 0x02, 0x0f, 0xff]) {
      const bytes = new Uint8Array(34);
      bytes[0] = version;
      expect(
        isEncryptionError(
          thrown(() => decodeEnvelope(bytes)),
          'ErrEnvelopeVersion',
        ),
      ).toBe(true);
    }
    const empty = decodeEnvelope(Uint8Array.from([1, ...new Uint8Array(33)]));
    expect(empty.sealed.length).toBe(16);
  });

  it('round-trips every envelope (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ minLength: 16, maxLength: 300 }),
        (flag, keyId, nonce, sealed) => {
          const decoded = decodeEnvelope(encodeEnvelope({ flag, keyId, nonce, sealed }));
          expect(decoded).toMatchObject({ version: 1, flag, keyId });
          expect(hex(decoded.nonce)).toBe(hex(nonce));
          expect(hex(decoded.sealed)).toBe(hex(sealed));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decodes arbitrary bytes to an envelope or a typed error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeEnvelope(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(EncryptionError);
          expect(['ErrEnvelopeShort', 'ErrEnvelopeVersion']).toContain((err as EncryptionError).errorName);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
