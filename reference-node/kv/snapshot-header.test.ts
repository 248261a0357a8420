import { describe, expect, it } from 'vitest';
import {
  encodeSnapshotHeaderV1,
  encodeSnapshotHeaderV2,
  readSnapshotHeader,
  SnapshotHeaderWriter,
} from './snapshot-header.js';
import { hex } from './test/kv-fixture.js';

const fromHex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'));
const ascii = (value: string): string => Buffer.from(value, 'ascii').toString('hex');
const v2 = (length: number, extra = ''): Uint8Array =>
  fromHex(ascii('EKVTHLC2') + length.toString(16).padStart(4, '0') + '0000000000000064' + '0000000000000007' + extra);

describe('snapshot header (spec §9)', () => {
  it('writes the golden v1 and v2 layouts', () => {
    expect(hex(encodeSnapshotHeaderV1(100))).toBe(ascii('EKVTHLC1') + '0000000000000064');
    expect(hex(encodeSnapshotHeaderV2(100, 7))).toBe(
      ascii('EKVTHLC2') + '0010' + '0000000000000064' + '0000000000000007',
    );
    expect(encodeSnapshotHeaderV1(1).length).toBe(16);
    expect(encodeSnapshotHeaderV2(1, 1).length).toBe(26);
  });

  it('reads v1: ceiling, cutover 0, payload after 16 bytes', () => {
    const bytes = fromHex(hex(encodeSnapshotHeaderV1(100)) + 'abcd');
    expect(readSnapshotHeader(bytes)).toEqual({ format: 'v1', ceilingMs: 100, cutoverIndex: 0, payloadOffset: 16 });
  });

  it('reads v2 and ignores advisory bytes past the first 16 of len', () => {
    expect(readSnapshotHeader(v2(16))).toEqual({ format: 'v2', ceilingMs: 100, cutoverIndex: 7, payloadOffset: 26 });
    const extended = v2(20, 'deadbeef' + 'ffff');
    expect(readSnapshotHeader(extended)).toEqual({ format: 'v2', ceilingMs: 100, cutoverIndex: 7, payloadOffset: 30 });
    expect(readSnapshotHeader(v2(1024, '00'.repeat(1008))).payloadOffset).toBe(1034);
  });

  it.each([15, 0, 1025, 0xffff])('refuses a v2 length of %d with ErrSnapshotHeaderInvalidLength', (length) => {
    expect(() => readSnapshotHeader(v2(length, '00'.repeat(2000)))).toThrow(
      expect.objectContaining({ code: 'ErrSnapshotHeaderInvalidLength' }),
    );
  });

  it('refuses an unknown EKVTHLC version with ErrSnapshotHeaderUnknownMagic', () => {
    expect(() => readSnapshotHeader(fromHex(ascii('EKVTHLC3') + '00'.repeat(16)))).toThrow(
      expect.objectContaining({ code: 'ErrSnapshotHeaderUnknownMagic' }),
    );
    expect(() => readSnapshotHeader(fromHex(ascii('EKVTHLC') + '00'))).toThrow(
      expect.objectContaining({ code: 'ErrSnapshotHeaderUnknownMagic' }),
    );
  });

  it('treats fewer than 8 bytes and any other start as headerless legacy, consuming nothing', () => {
    const legacy = { format: 'legacy', ceilingMs: 0, cutoverIndex: 0, payloadOffset: 0 };
    expect(readSnapshotHeader(new Uint8Array(0))).toEqual(legacy);
    expect(readSnapshotHeader(fromHex(ascii('EKVTHLC')))).toEqual(legacy);
    expect(readSnapshotHeader(fromHex(ascii('EKVSTOR1') + '00'))).toEqual(legacy);
    expect(readSnapshotHeader(fromHex(ascii('ekvthlc1') + '00'.repeat(8)))).toEqual(legacy);
  });

  it('refuses truncated v1/v2 headers with a typed error', () => {
    expect(() => readSnapshotHeader(fromHex(ascii('EKVTHLC1') + '0000'))).toThrow(
      expect.objectContaining({ code: 'ErrSnapshotHeaderTruncated' }),
    );
    expect(() => readSnapshotHeader(fromHex(ascii('EKVTHLC2') + '0010' + '00'))).toThrow(
      expect.objectContaining({ code: 'ErrSnapshotHeaderTruncated' }),
    );
  });

  it('writes v1 while the cutover is 0, v2 after, and never downgrades (reported once)', () => {
    const reports: number[] = [];
    const writer = new SnapshotHeaderWriter((latched) => reports.push(latched));
    expect(readSnapshotHeader(writer.encode(5, 0)).format).toBe('v1');
    expect(readSnapshotHeader(writer.encode(5, 42))).toMatchObject({ format: 'v2', cutoverIndex: 42 });
    expect(readSnapshotHeader(writer.encode(6, 0))).toMatchObject({ format: 'v2', cutoverIndex: 42, ceilingMs: 6 });
    expect(readSnapshotHeader(writer.encode(7, 0))).toMatchObject({ format: 'v2', cutoverIndex: 42 });
    expect(reports).toEqual([42]);
  });
});
