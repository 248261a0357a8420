import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asLogIndex } from '../raft/types.js';
import { readSnapshotHeader, SnapshotHeaderError } from './snapshot-header.js';
import { decodeSnapshotPayload, encodeSnapshotPayload, SnapshotPayloadError, type SnapshotPayload } from './snapshot-payload.js';
import { hex } from './test/kv-fixture.js';

const rowsArb = fc.array(fc.tuple(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 })), { maxLength: 5 });

describe('snapshot store payload', () => {
  it('has the golden layout of an empty store', () => {
    const empty: SnapshotPayload = { contents: { appliedIndex: asLogIndex(3), maxCommitTs: 5n, mvccRows: [], rawRows: [] }, applicationBlob: Uint8Array.of(0xab) };
    expect(hex(encodeSnapshotPayload(empty))).toBe(
      Buffer.from('EKVSTOR1').toString('hex') + '0000000000000003' + '0000000000000005' + '00000001' + 'ab' + '00000000' + '00000000',
    );
  });

  it('round-trips any contents', () => {
    fc.assert(
      fc.property(fc.nat(), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), rowsArb, rowsArb, fc.uint8Array({ maxLength: 16 }), (applied, maxTs, mvcc, raw, blob) => {
        const payload: SnapshotPayload = { contents: { appliedIndex: asLogIndex(applied), maxCommitTs: maxTs, mvccRows: mvcc, rawRows: raw }, applicationBlob: blob };
        expect(decodeSnapshotPayload(encodeSnapshotPayload(payload))).toEqual(payload);
      }),
    );
  });

  it('turns random or damaged bytes into typed errors only (header and payload)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const [decode, type] of [[readSnapshotHeader, SnapshotHeaderError], [decodeSnapshotPayload, SnapshotPayloadError]] as const) {
          try {
            decode(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(type);
          }
        }
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(rowsArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 6 }), (rows, position, byte, cut) => {
        const bytes = encodeSnapshotPayload({ contents: { appliedIndex: asLogIndex(1), maxCommitTs: 1n, mvccRows: rows, rawRows: rows }, applicationBlob: new Uint8Array(0) });
        const damaged = bytes.slice(0, bytes.length - cut);
        damaged[8 + (position % (damaged.length - 8))] = byte;
        try {
          decodeSnapshotPayload(damaged);
        } catch (error) {
          expect(error).toBeInstanceOf(SnapshotPayloadError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
