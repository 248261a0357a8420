import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeProposal, encodeProposal } from './proposal-envelope.js';
import { hex } from './test/kv-fixture.js';

describe('proposal envelope (spec §2.7)', () => {
  it('is 0x01 ‖ BE64 id ‖ payload (golden bytes)', () => {
    expect(hex(encodeProposal(0x0102030405060708n, Uint8Array.of(0xaa, 0xbb)))).toBe(
      '01' + '0102030405060708' + 'aabb',
    );
    expect(hex(encodeProposal(0n, new Uint8Array(0)))).toBe('01' + '0000000000000000');
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.uint8Array({ maxLength: 64 }), (id, payload) => {
        const decoded = decodeProposal(encodeProposal(id, payload));
        expect(decoded?.id).toBe(id);
        expect(hex(decoded!.payload)).toBe(hex(payload));
      }),
    );
  });

  it('returns null for data that is not a version-1 envelope', () => {
    expect(decodeProposal(new Uint8Array(0))).toBeNull();
    expect(decodeProposal(Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0, 0))).toBeNull();
    expect(decodeProposal(Uint8Array.of(0x02, 0, 0, 0, 0, 0, 0, 0, 1, 9))).toBeNull();
    expect(decodeProposal(Uint8Array.of(0x00, 0, 0, 0, 0, 0, 0, 0, 1))).toBeNull();
  });
});
