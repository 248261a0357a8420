/**
 * A bounds-checked cursor over a payload: every read that would run past the
 * end raises a typed `Truncated` decode error instead of a RangeError.
 */
import { FsmDecodeError } from './fsm-decode-error.js';

export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(count: number, what: string): void {
    if (this.offset + count > this.bytes.length) {
      throw new FsmDecodeError(
        'Truncated',
        `${what} needs ${count} bytes at offset ${this.offset}, ${this.bytes.length - this.offset} left`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.offset, false);
    this.offset += 4;
    return value;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigUint64(this.offset, false);
    this.offset += 8;
    return value;
  }

  i64(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigInt64(this.offset, false);
    this.offset += 8;
    return value;
  }

  /** A BE32 length prefix (≤ `max`) followed by that many bytes. */
  lengthPrefixed(what: string, max: number): Uint8Array {
    const length = this.prefixedLength(what, max);
    const out = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Like {@link lengthPrefixed}, but a view into the payload instead of a copy. */
  lengthPrefixedView(what: string, max: number): Uint8Array {
    const length = this.prefixedLength(what, max);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Steps over a BE32 length prefix (≤ `max`) and its bytes, checking both. */
  skipLengthPrefixed(what: string, max: number): void {
    // Not `this.offset += …`: that would read the offset before the prefix moved it.
    const length = this.prefixedLength(what, max);
    this.offset += length;
  }

  /** Steps over `count` bytes. */
  skipBytes(count: number, what: string): void {
    this.need(count, what);
    this.offset += count;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.offset;
  }

  private prefixedLength(what: string, max: number): number {
    // No message is built unless it fails: this runs twice per row of a snapshot.
    if (this.offset + 4 > this.bytes.length) this.need(4, `${what} length`);
    const length = this.view.getUint32(this.offset, false);
    this.offset += 4;
    if (length > max) throw new FsmDecodeError('OutOfBounds', `${what} is ${length} bytes, above the bound of ${max}`);
    this.need(length, what);
    return length;
  }

  /** Asserts every byte was consumed. */
  end(what: string): void {
    if (this.offset !== this.bytes.length) {
      throw new FsmDecodeError('TrailingBytes', `${this.bytes.length - this.offset} trailing bytes after ${what}`);
    }
  }
}
