import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FsmDecodeError } from './fsm-decode-error.js';
import { decodeKvPayload, encodeKvPayload, encodeLeaseRenewal, type KvPayload, type KvRequest } from './fsm-payload.js';
import { hex, utf8 } from './test/kv-fixture.js';

describe('FSM payload codecs', () => {
  it('encodes the golden bytes of each request kind', () => {
    const put: KvPayload = {
      kind: 'single',
      request: { kind: 'put', commitTs: 0x10n, key: utf8('k'), value: utf8('v'), ttlMs: 5n },
    };
    expect(hex(encodeKvPayload(put))).toBe(
      '00' + '01' + '0000000000000010' + '00000001' + '6b' + '00000001' + '76' + '0000000000000005',
    );
    const del: KvPayload = { kind: 'single', request: { kind: 'delete', commitTs: 1n, key: utf8('k') } };
    expect(hex(encodeKvPayload(del))).toBe('00' + '02' + '0000000000000001' + '00000001' + '6b');
    const casAbsent: KvRequest = {
      kind: 'compareAndSet',
      commitTs: 2n,
      key: utf8('k'),
      expected: null,
      newValue: utf8('n'),
    };
    expect(hex(encodeKvPayload({ kind: 'single', request: casAbsent }))).toBe(
      '00' + '03' + '0000000000000002' + '00000001' + '6b' + '00' + '00000001' + '6e',
    );
    const casValue: KvRequest = { ...casAbsent, expected: utf8('o') };
    expect(hex(encodeKvPayload({ kind: 'batch', requests: [casValue] }))).toBe(
      '01' + '00000001' + '03' + '0000000000000002' + '00000001' + '6b' + '01' + '00000001' + '6f' + '00000001' + '6e',
    );
    expect(hex(encodeLeaseRenewal(0x1234))).toBe('02' + '0000000000001234');
  });

  const requestArb: fc.Arbitrary<KvRequest> = fc.oneof(
    fc.record({
      kind: fc.constant('put' as const),
      commitTs: fc.bigUint64Array({ minLength: 1, maxLength: 1 }).map((a) => a[0]!),
      key: fc.uint8Array({ maxLength: 8 }),
      value: fc.uint8Array({ maxLength: 8 }),
      ttlMs: fc.bigInt({ min: 0n, max: 1n << 40n }),
    }),
    fc.record({
      kind: fc.constant('delete' as const),
      commitTs: fc.bigInt({ min: 0n, max: 1n << 60n }),
      key: fc.uint8Array({ maxLength: 8 }),
    }),
    fc.record({
      kind: fc.constant('compareAndSet' as const),
      commitTs: fc.bigInt({ min: 0n, max: 1n << 60n }),
      key: fc.uint8Array({ maxLength: 8 }),
      expected: fc.option(fc.uint8Array({ maxLength: 8 })),
      newValue: fc.uint8Array({ maxLength: 8 }),
    }),
  );
  const payloadArb: fc.Arbitrary<KvPayload> = fc.oneof(
    requestArb.map((request) => ({ kind: 'single' as const, request })),
    fc.array(requestArb, { minLength: 1, maxLength: 5 }).map((requests) => ({ kind: 'batch' as const, requests })),
    fc
      .integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
      .map((ceilingMs) => ({ kind: 'leaseRenewal' as const, ceilingMs })),
  );

  it('round-trips every payload', () => {
    fc.assert(
      fc.property(payloadArb, (payload) => {
        const normalise = (value: unknown): string =>
          JSON.stringify(value, (_k, v: unknown) =>
            typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? hex(v) : v,
          );
        expect(normalise(decodeKvPayload(encodeKvPayload(payload)))).toBe(normalise(payload));
      }),
    );
  });

  it('turns random bytes into a payload or a typed FsmDecodeError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeKvPayload(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(FsmDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
    // Mutations of valid payloads reach deeper into the decoder.
    fc.assert(
      fc.property(payloadArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (payload, position, byte, cut) => {
        const bytes = encodeKvPayload(payload);
        const mutated = bytes.slice(0, Math.max(1, bytes.length - (cut % 4)));
        mutated[position % mutated.length] = byte;
        try {
          decodeKvPayload(mutated);
        } catch (error) {
          expect(error).toBeInstanceOf(FsmDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['an empty payload', '', 'Truncated'],
    ['trailing bytes', '02' + '0000000000000001' + 'ff', 'TrailingBytes'],
    ['a negative lease ceiling', '02' + 'ffffffffffffffff', 'OutOfBounds'],
    ['an unknown request kind', '00' + '09' + '0000000000000001' + '00000000', 'UnknownTag'],
    ['an unknown CAS expectation', '00' + '03' + '0000000000000001' + '00000000' + '02', 'UnknownTag'],
    ['an empty batch', '01' + '00000000', 'OutOfBounds'],
    ['a key above its bound', '00' + '02' + '0000000000000001' + '00001001', 'OutOfBounds'],
    ['an encryption-band opcode', '03' + '01', 'UnknownTag'],
  ])('rejects %s with a typed error', (_name, payloadHex, code) => {
    expect(() => decodeKvPayload(Uint8Array.from(Buffer.from(payloadHex, 'hex')))).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
