import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { decodeMvccKey, encodeMvccKey } from './mvcc-key.js';
import { hex, utf8 } from './test/memory-storage.js';

describe('MVCC key (spec §2.1)', () => {
  it('is user_key ‖ BE64(^commit_ts) (golden bytes)', () => {
    expect(hex(encodeMvccKey(utf8('k'), 0n))).toBe('6b' + 'ffffffffffffffff');
    expect(hex(encodeMvccKey(utf8('k'), 1n))).toBe('6b' + 'fffffffffffffffe');
    expect(hex(encodeMvccKey(utf8('ab'), 0x0102030405060708n))).toBe('6162' + 'fefdfcfbfaf9f8f7');
  });

  it('sorts newer versions of a key first and round-trips', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 16 }),
        fc.bigUint64Array({ minLength: 2, maxLength: 2 }),
        (key, [a, b]) => {
          const ka = encodeMvccKey(key, a!);
          const kb = encodeMvccKey(key, b!);
          const order = Buffer.compare(ka, kb);
          expect(Math.sign(order)).toBe(a! > b! ? -1 : a! < b! ? 1 : 0);
          expect(decodeMvccKey(ka)).toEqual({ userKey: Uint8Array.from(key), commitTs: a });
        },
      ),
    );
  });
});
