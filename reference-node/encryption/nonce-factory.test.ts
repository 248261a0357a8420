import { describe, expect, it } from 'vitest';
import { isEncryptionError } from './errors.js';
import { decodeNonce, encodeNonce, NonceFactory } from './nonce-factory.js';
import { hex, thrown } from './test/fixtures.js';

describe('nonce factory (spec §2.8)', () => {
  it('lays out BE16 node_id16 ‖ BE16 local_epoch ‖ BE64 write_count', () => {
    expect(hex(encodeNonce(0xec8c, 7, 0x0102030405060708n))).toBe('ec8c00070102030405060708');
    expect(decodeNonce(encodeNonce(0xec8c, 7, 9n))).toEqual({ nodeId16: 0xec8c, localEpoch: 7, writeCount: 9n });
  });

  it('increments before use: the first nonce of a load carries write_count 1', () => {
    const f = new NonceFactory(0x1234, 3);
    expect(hex(f.next())).toBe('123400030000000000000001');
    expect(hex(f.next())).toBe('123400030000000000000002');
    expect(f.writeCount).toBe(2n);
  });

  it('latches as exhausted on uint64 wrap, for the rest of the load', () => {
    const f = new NonceFactory(1, 1, 0xfffffffffffffffen);
    expect(hex(f.next())).toBe('00010001ffffffffffffffff');
    expect(
      isEncryptionError(
        thrown(() => f.next()),
        'ErrWriteCountExhausted',
      ),
    ).toBe(true);
    expect(f.exhausted).toBe(true);
    expect(
      isEncryptionError(
        thrown(() => f.next()),
        'ErrWriteCountExhausted',
      ),
    ).toBe(true);
  });

  it('refuses out-of-range node ids and epochs', () => {
    expect(() => new NonceFactory(0x10000, 0)).toThrow(/node_id16/);
    expect(() => new NonceFactory(0, 0x10000)).toThrow(/local_epoch/);
  });
});
