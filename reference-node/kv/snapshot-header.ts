/**
 * The FSM snapshot header (spec §9):
 *
 * ```
 * v1: "EKVTHLC1"(8) ‖ BE64 hlc_ceiling_ms                                     (16 bytes)
 * v2: "EKVTHLC2"(8) ‖ BE16 len (=0x0010) ‖ BE64 ceiling ‖ BE64 cutover_index  (26 bytes)
 * ```
 *
 * Reading never consumes bytes of a headerless (legacy) snapshot: the
 * returned `payloadOffset` is where the store payload starts, 0 for legacy,
 * so the caller restores from the same buffer on every branch (§9.2).
 */
import { concatBytes, encodeUint64BE, readUint64BE } from '../storage/index.js';

const textEncoder = new TextEncoder();
const MAGIC_PREFIX = textEncoder.encode('EKVTHLC');
const MAGIC_V1 = textEncoder.encode('EKVTHLC1');
const MAGIC_V2 = textEncoder.encode('EKVTHLC2');
const MAGIC_BYTES = 8;
/** Bounds of the v2 length field (a DoS guard). */
export const SNAPSHOT_HEADER_V2_LENGTH_MIN = 16;
export const SNAPSHOT_HEADER_V2_LENGTH_MAX = 1024;

/** Why a header was refused (the restore aborts). */
export type SnapshotHeaderErrorCode =
  | 'ErrSnapshotHeaderInvalidLength'
  | 'ErrSnapshotHeaderUnknownMagic'
  /** A v1/v2 magic followed by fewer bytes than its fields need. */
  | 'ErrSnapshotHeaderTruncated'
  /** A ceiling or cutover above 2^53-1 (this model keeps them as safe integers). */
  | 'ErrSnapshotHeaderValueRange';

/** A refused snapshot header. */
export class SnapshotHeaderError extends Error {
  readonly code: SnapshotHeaderErrorCode;

  constructor(code: SnapshotHeaderErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'SnapshotHeaderError';
    this.code = code;
  }
}

/** A parsed header. */
export interface SnapshotHeader {
  readonly format: 'legacy' | 'v1' | 'v2';
  readonly ceilingMs: number;
  /** 0 = no raft-envelope cutover recorded. */
  readonly cutoverIndex: number;
  /** Offset of the store payload in the snapshot bytes. */
  readonly payloadOffset: number;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new SnapshotHeaderError('ErrSnapshotHeaderValueRange', `${what} ${value} exceeds 2^53-1`);
  return Number(value);
}

/** Parses the header at the start of `bytes` exactly as spec §9.2 (no side effects). */
export function readSnapshotHeader(bytes: Uint8Array): SnapshotHeader {
  const legacy: SnapshotHeader = { format: 'legacy', ceilingMs: 0, cutoverIndex: 0, payloadOffset: 0 };
  if (bytes.length < MAGIC_BYTES) return legacy;
  if (startsWith(bytes, MAGIC_V2)) {
    if (bytes.length < MAGIC_BYTES + 2)
      throw new SnapshotHeaderError('ErrSnapshotHeaderTruncated', 'v2 header ends before its length field');
    const length = (bytes[8]! << 8) | bytes[9]!;
    if (length < SNAPSHOT_HEADER_V2_LENGTH_MIN || length > SNAPSHOT_HEADER_V2_LENGTH_MAX) {
      throw new SnapshotHeaderError(
        'ErrSnapshotHeaderInvalidLength',
        `v2 header length ${length} is outside ${SNAPSHOT_HEADER_V2_LENGTH_MIN}..${SNAPSHOT_HEADER_V2_LENGTH_MAX}`,
      );
    }
    const end = MAGIC_BYTES + 2 + length;
    if (bytes.length < end)
      throw new SnapshotHeaderError(
        'ErrSnapshotHeaderTruncated',
        `v2 header declares ${length} bytes, ${bytes.length - 10} present`,
      );
    // Bytes past the first 16 are advisory fields of newer writers: ignored.
    return {
      format: 'v2',
      ceilingMs: safeNumber(readUint64BE(bytes, 10), 'ceiling'),
      cutoverIndex: safeNumber(readUint64BE(bytes, 18), 'cutover index'),
      payloadOffset: end,
    };
  }
  if (startsWith(bytes, MAGIC_V1)) {
    if (bytes.length < 16)
      throw new SnapshotHeaderError('ErrSnapshotHeaderTruncated', 'v1 header ends before its ceiling');
    return {
      format: 'v1',
      ceilingMs: safeNumber(readUint64BE(bytes, 8), 'ceiling'),
      cutoverIndex: 0,
      payloadOffset: 16,
    };
  }
  if (startsWith(bytes, MAGIC_PREFIX)) {
    throw new SnapshotHeaderError(
      'ErrSnapshotHeaderUnknownMagic',
      `unknown snapshot header version byte 0x${bytes[7]!.toString(16).padStart(2, '0')}`,
    );
  }
  return legacy;
}

/** Encodes a v1 header. */
export function encodeSnapshotHeaderV1(ceilingMs: number): Uint8Array {
  return concatBytes(MAGIC_V1, encodeUint64BE(BigInt(ceilingMs)));
}

/** Encodes a v2 header carrying the cutover index. */
export function encodeSnapshotHeaderV2(ceilingMs: number, cutoverIndex: number): Uint8Array {
  return concatBytes(
    MAGIC_V2,
    Uint8Array.of(0x00, 0x10),
    encodeUint64BE(BigInt(ceilingMs)),
    encodeUint64BE(BigInt(cutoverIndex)),
  );
}

/**
 * Chooses the header of each snapshot this process writes (§9.3): v1 while
 * the cutover is 0, v2 once it is not, and the no-downgrade latch: after any
 * non-zero cutover, later headers stay v2 with the last non-zero value even
 * if the source reads 0 again (reported once through `onDowngradeAttempt`).
 */
export class SnapshotHeaderWriter {
  private latchedCutover = 0;
  private reported = false;

  private readonly latch: boolean;

  /** `latch: false` re-introduces B42 (the writer downgrades to v1). */
  constructor(
    private readonly onDowngradeAttempt: (latchedCutover: number) => void = () => undefined,
    options: { readonly latch?: boolean } = {},
  ) {
    this.latch = options.latch ?? true;
  }

  /** The header for a snapshot with this ceiling and the cutover read now. */
  encode(ceilingMs: number, cutoverIndex: number): Uint8Array {
    if (cutoverIndex !== 0) {
      if (this.latch) this.latchedCutover = cutoverIndex;
      return encodeSnapshotHeaderV2(ceilingMs, cutoverIndex);
    }
    if (this.latchedCutover !== 0) {
      if (!this.reported) {
        this.reported = true;
        this.onDowngradeAttempt(this.latchedCutover);
      }
      return encodeSnapshotHeaderV2(ceilingMs, this.latchedCutover);
    }
    return encodeSnapshotHeaderV1(ceilingMs);
  }
}
