import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asLogIndex } from '../raft/types.js';
import { readSnapshotHeader, SnapshotHeaderError } from './snapshot-header.js';
import {
  decodeSnapshotPayload,
  encodeSnapshotPayload,
  SnapshotPayloadError,
  type SnapshotPayload,
} from './snapshot-payload.js';
import { SnapshotPayloadBuilder } from './snapshot-payload-builder.js';
import { readSnapshotPayload } from './snapshot-payload-reader.js';
import { bytesEqual } from '../storage/index.js';
import { hex } from './test/kv-fixture.js';

const rowsArb = fc.array(fc.tuple(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 })), {
  maxLength: 5,
});

describe('snapshot store payload', () => {
  it('has the golden layout of an empty store', () => {
    const empty: SnapshotPayload = {
      contents: { appliedIndex: asLogIndex(3), maxCommitTs: 5n, mvccRows: [], rawRows: [] },
      applicationBlob: Uint8Array.of(0xab),
    };
    expect(hex(encodeSnapshotPayload(empty))).toBe(
      Buffer.from('EKVSTOR1').toString('hex') +
        '0000000000000003' +
        '0000000000000005' +
        '00000001' +
        'ab' +
        '00000000' +
        '00000000',
    );
  });

  it('round-trips any contents', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        rowsArb,
        rowsArb,
        fc.uint8Array({ maxLength: 16 }),
        (applied, maxTs, mvcc, raw, blob) => {
          const payload: SnapshotPayload = {
            contents: { appliedIndex: asLogIndex(applied), maxCommitTs: maxTs, mvccRows: mvcc, rawRows: raw },
            applicationBlob: blob,
          };
          expect(decodeSnapshotPayload(encodeSnapshotPayload(payload))).toEqual(payload);
        },
      ),
    );
  });

  it('turns random or damaged bytes into typed errors only (header and payload)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const [decode, type] of [
          [readSnapshotHeader, SnapshotHeaderError],
          [decodeSnapshotPayload, SnapshotPayloadError],
        ] as const) {
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
      fc.property(
        rowsArb,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.nat({ max: 6 }),
        (rows, position, byte, cut) => {
          const bytes = encodeSnapshotPayload({
            contents: { appliedIndex: asLogIndex(1), maxCommitTs: 1n, mvccRows: rows, rawRows: rows },
            applicationBlob: new Uint8Array(0),
          });
          const damaged = bytes.slice(0, bytes.length - cut);
          damaged[8 + (position % (damaged.length - 8))] = byte;
          try {
            decodeSnapshotPayload(damaged);
          } catch (error) {
            expect(error).toBeInstanceOf(SnapshotPayloadError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('builds byte for byte what a plain reference encoder writes, whatever the chunk size and prefix', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 64 }),
        fc.uint8Array({ maxLength: 40 }),
        rowsArb,
        rowsArb,
        fc.uint8Array({ maxLength: 100 }),
        (chunkBytes, prefix, mvcc, raw, blob) => {
          const builder = new SnapshotPayloadBuilder({
            prefix,
            appliedIndex: asLogIndex(9),
            maxCommitTs: 77n,
            applicationBlob: blob,
            chunkBytes,
          });
          for (const [key, value] of mvcc) builder.addMvccRow(key, value);
          for (const [key, value] of raw) builder.addRawRow(key, value);
          expect(hex(builder.finish())).toBe(hex(prefix) + referenceEncoding(9, 77n, blob, mvcc, raw));
        },
      ),
    );
  });

  it('round-trips a payload with more rows than a call takes arguments (issue 14)', () => {
    // 200,000 rows: the old encoder spread 4 arguments per row into one call
    // and threw "RangeError: Maximum call stack size exceeded" from ~31,000.
    const rows = Array.from({ length: 200_000 }, (_, i) => [rowKey(i), rowValue(i)] as const);
    const payload: SnapshotPayload = {
      contents: {
        appliedIndex: asLogIndex(200_000),
        maxCommitTs: 1n << 40n,
        mvccRows: rows,
        rawRows: rows.slice(0, 1000),
      },
      applicationBlob: Uint8Array.of(1, 2),
    };
    const decoded = decodeSnapshotPayload(encodeSnapshotPayload(payload));
    // Compared row by row: a deep toEqual of 200,000 rows takes minutes.
    expect({
      ...decoded.contents,
      mvccRows: firstMismatch(decoded.contents.mvccRows, rows),
      rawRows: firstMismatch(decoded.contents.rawRows, rows.slice(0, 1000)),
    }).toEqual({ ...payload.contents, mvccRows: 'same', rawRows: 'same' });
    expect(decoded.applicationBlob).toEqual(payload.applicationBlob);
  });

  it('builds and reads back a store of 2,000,000 rows exactly, without an array of rows', () => {
    const count = 2_000_000;
    const builder = new SnapshotPayloadBuilder({
      appliedIndex: asLogIndex(count),
      maxCommitTs: 5n,
      applicationBlob: Uint8Array.of(7),
    });
    for (let i = 0; i < count; i++) builder.addMvccRow(rowKey(i), rowValue(i));
    for (let i = 0; i < 3; i++) builder.addRawRow(rowKey(i), Uint8Array.of(i));
    const bytes = builder.finish();
    expect(bytes.length).toBe(8 + 8 + 8 + 4 + 1 + 4 + count * (4 + 8 + 4 + 13) + 4 + 3 * (4 + 8 + 4 + 1));

    const view = readSnapshotPayload(bytes);
    expect(view).toMatchObject({
      appliedIndex: count,
      maxCommitTs: 5n,
      applicationBlob: Uint8Array.of(7),
      mvccRowCount: count,
      rawRowCount: 3,
    });
    let seen = 0;
    let mismatch: number | undefined;
    for (const [key, value] of view.mvccRows) {
      if (mismatch === undefined && (!bytesEqual(key, rowKey(seen)) || !bytesEqual(value, rowValue(seen))))
        mismatch = seen;
      seen++;
    }
    expect({ seen, mismatch }).toEqual({ seen: count, mismatch: undefined });
    expect([...view.rawRows].map(([key, value]) => [hex(key), hex(value)])).toEqual(
      [0, 1, 2].map((i) => [hex(rowKey(i)), hex(Uint8Array.of(i))]),
    );
    // Damage inside the last row: refused as a whole, before any row is handed out.
    expect(() => readSnapshotPayload(bytes.subarray(0, bytes.length - 1))).toThrow(SnapshotPayloadError);
  }, 120_000);
});

/** 'same' when both row lists are equal byte for byte, else where they first differ. */
function firstMismatch(
  actual: readonly (readonly [Uint8Array, Uint8Array])[],
  expected: readonly (readonly [Uint8Array, Uint8Array])[],
): string {
  if (actual.length !== expected.length) return `${actual.length} rows instead of ${expected.length}`;
  const at = actual.findIndex(
    ([key, value], i) => !bytesEqual(key, expected[i]![0]) || !bytesEqual(value, expected[i]![1]),
  );
  return at === -1 ? 'same' : `row ${at} differs`;
}

/** An 8-byte key of row `i` (an MVCC key's shape: 4 key bytes ‖ 4 timestamp bytes). */
function rowKey(i: number): Uint8Array {
  const inverted = ~i >>> 0;
  return Uint8Array.of(
    i >>> 24,
    (i >>> 16) & 0xff,
    (i >>> 8) & 0xff,
    i & 0xff,
    inverted >>> 24,
    (inverted >>> 16) & 0xff,
    (inverted >>> 8) & 0xff,
    inverted & 0xff,
  );
}

/** A 9-byte cleartext value header ‖ 4 body bytes of row `i`. */
function rowValue(i: number): Uint8Array {
  const value = new Uint8Array(13);
  value[9] = i & 0xff;
  value[10] = (i >>> 8) & 0xff;
  value[11] = (i >>> 16) & 0xff;
  value[12] = (i * 7) & 0xff;
  return value;
}

/** The layout written out by hand, as a hex string (the dumb reference for the builder). */
function referenceEncoding(
  applied: number,
  maxTs: bigint,
  blob: Uint8Array,
  mvcc: readonly (readonly [Uint8Array, Uint8Array])[],
  raw: readonly (readonly [Uint8Array, Uint8Array])[],
): string {
  const be32 = (n: number): string => n.toString(16).padStart(8, '0');
  const section = (rows: readonly (readonly [Uint8Array, Uint8Array])[]): string =>
    be32(rows.length) +
    rows.map(([key, value]) => be32(key.length) + hex(key) + be32(value.length) + hex(value)).join('');
  return (
    Buffer.from('EKVSTOR1').toString('hex') +
    BigInt(applied).toString(16).padStart(16, '0') +
    maxTs.toString(16).padStart(16, '0') +
    be32(blob.length) +
    hex(blob) +
    section(mvcc) +
    section(raw)
  );
}
