/**
 * Builds a snapshot's bytes row by row (layout in snapshot-payload.ts), so a
 * store of millions of rows never becomes a per-row array of parts, nor a
 * call with one argument per part (which overflowed the call stack from
 * ~31,000 rows, issue 14).
 *
 * Rows are appended to fixed-size chunks; each section's row count is
 * written as a placeholder and patched when the section closes, so the rows
 * can come straight from a database iterator. `finish()` copies the chunks
 * into one array of the exact total size: the peak overhead is the payload
 * once more plus one chunk, and nothing per row.
 */
import type { LogIndex } from '../raft/types.js';
import { SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX, SNAPSHOT_PAYLOAD_MAGIC } from './snapshot-payload-format.js';

/** Default size of one chunk of a payload being built. */
export const SNAPSHOT_BUILD_CHUNK_BYTES = 1024 * 1024;

/** The fields that precede the rows. */
export interface SnapshotPayloadStart {
  /** Bytes written before the payload (the snapshot header), so the result needs no second copy. */
  readonly prefix?: Uint8Array;
  readonly appliedIndex: LogIndex;
  readonly maxCommitTs: bigint;
  readonly applicationBlob: Uint8Array;
  /** Size of one chunk (default {@link SNAPSHOT_BUILD_CHUNK_BYTES}). */
  readonly chunkBytes?: number;
}

type Section = 'mvcc' | 'raw' | 'done';

/** A chunked append-only byte sink with patchable 32-bit fields. */
class ChunkedBytes {
  private readonly sealed: Uint8Array[] = [];
  private chunk: Uint8Array;
  private view: DataView;
  private offset = 0;
  private sealedBytes = 0;

  constructor(private readonly chunkBytes: number) {
    this.chunk = new Uint8Array(chunkBytes);
    this.view = new DataView(this.chunk.buffer);
  }

  /** Makes room for `count` contiguous bytes in the current chunk. */
  private reserve(count: number): void {
    if (this.offset + count <= this.chunk.length) return;
    this.seal();
    this.chunk = new Uint8Array(Math.max(this.chunkBytes, count));
    this.view = new DataView(this.chunk.buffer);
  }

  private seal(): void {
    if (this.offset === 0) return;
    this.sealed.push(this.chunk.subarray(0, this.offset));
    this.sealedBytes += this.offset;
    this.offset = 0;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.offset, value, false);
    this.offset += 4;
  }

  u64(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.offset, value, false);
    this.offset += 8;
  }

  /** Reserves a 32-bit field and returns the function that fills it in later. */
  u32Placeholder(): (value: number) => void {
    this.reserve(4);
    const view = this.view;
    const at = this.offset;
    this.offset += 4;
    return (value) => view.setUint32(at, value, false);
  }

  bytes(data: Uint8Array): void {
    // Small fields go into the current chunk; a large one may straddle chunks.
    let written = 0;
    while (written < data.length) {
      if (this.offset === this.chunk.length) this.reserve(1);
      const count = Math.min(data.length - written, this.chunk.length - this.offset);
      this.chunk.set(data.subarray(written, written + count), this.offset);
      this.offset += count;
      written += count;
    }
  }

  get length(): number {
    return this.sealedBytes + this.offset;
  }

  /** One array of the exact length holding every byte written; the sink is spent. */
  toBytes(): Uint8Array {
    this.seal();
    const out = new Uint8Array(this.sealedBytes);
    let at = 0;
    for (const part of this.sealed.splice(0)) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

function checkField(length: number, what: string): void {
  if (length > SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX) {
    throw new RangeError(
      `${what} is ${length} bytes, above the snapshot field bound of ${SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX}`,
    );
  }
}

/**
 * Incremental encoder of one store payload: every MVCC row, then every raw
 * row (each section in key order, as the store iterates them), then
 * `finish()`.
 */
export class SnapshotPayloadBuilder {
  private readonly out: ChunkedBytes;
  private section: Section = 'mvcc';
  private rows = 0;
  private setCount: (value: number) => void;

  constructor(start: SnapshotPayloadStart) {
    const chunkBytes = start.chunkBytes ?? SNAPSHOT_BUILD_CHUNK_BYTES;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 16)
      throw new RangeError(`chunkBytes ${chunkBytes} must be an integer of at least 16`);
    checkField(start.applicationBlob.length, 'the application blob');
    this.out = new ChunkedBytes(chunkBytes);
    if (start.prefix !== undefined) this.out.bytes(start.prefix);
    this.out.bytes(SNAPSHOT_PAYLOAD_MAGIC);
    this.out.u64(BigInt(start.appliedIndex));
    this.out.u64(start.maxCommitTs);
    this.out.u32(start.applicationBlob.length);
    this.out.bytes(start.applicationBlob);
    this.setCount = this.out.u32Placeholder();
  }

  /** Appends one MVCC row (only before the first raw row). */
  addMvccRow(key: Uint8Array, value: Uint8Array): void {
    if (this.section !== 'mvcc')
      throw new Error(`assertion failed: an MVCC row after the ${this.section} section began`);
    this.addRow(key, value);
  }

  /** Appends one raw row (closes the MVCC section). */
  addRawRow(key: Uint8Array, value: Uint8Array): void {
    if (this.section === 'mvcc') this.closeSection('raw');
    if (this.section !== 'raw') throw new Error('assertion failed: a raw row after finish()');
    this.addRow(key, value);
  }

  /** Bytes written so far (prefix included). */
  get length(): number {
    return this.out.length;
  }

  /** The prefix and the whole payload in one array; the builder is spent. */
  finish(): Uint8Array {
    if (this.section === 'mvcc') this.closeSection('raw');
    if (this.section !== 'raw') throw new Error('assertion failed: finish() called twice');
    this.closeSection('done');
    return this.out.toBytes();
  }

  private addRow(key: Uint8Array, value: Uint8Array): void {
    checkField(key.length, 'a row key');
    checkField(value.length, 'a row value');
    if (this.rows === 0xffff_ffff) throw new RangeError('a snapshot section holds at most 2^32-1 rows');
    this.out.u32(key.length);
    this.out.bytes(key);
    this.out.u32(value.length);
    this.out.bytes(value);
    this.rows++;
  }

  private closeSection(next: Section): void {
    this.setCount(this.rows);
    this.rows = 0;
    this.section = next;
    if (next === 'raw') this.setCount = this.out.u32Placeholder();
  }
}
