/**
 * Minimal binary writer/reader shared by the message and conf-change codecs:
 * unsigned varints (up to 2^53 - 1, so every JS-safe integer), length-prefixed
 * byte strings and UTF-8 strings. The reader throws only RaftCodecError.
 */
import { RaftCodecError } from './errors.js';

const maxVarintBytes = 8; // 8 * 7 = 56 bits ≥ 53 bits of a safe integer
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Growable byte buffer with varint, bytes and string writers. */
export class ByteWriter {
  private buffer = new Uint8Array(64);
  private length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value & 0xff;
  }

  /** Unsigned varint; arithmetic (not bitwise) so values above 2^32 survive. */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`cannot encode ${value} as an unsigned varint`);
    }
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.byte(rest);
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  string(value: string): void {
    this.bytes(utf8Encoder.encode(value));
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Cursor over encoded bytes; every failure is a RaftCodecError naming the field. */
export class ByteReader {
  private position = 0;

  constructor(private readonly input: Uint8Array) {}

  byte(field: string): number {
    const value = this.input[this.position];
    if (value === undefined) throw new RaftCodecError(`truncated input reading ${field}`, this.position);
    this.position++;
    return value;
  }

  varint(field: string): number {
    const start = this.position;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxVarintBytes; i++) {
      const b = this.byte(field);
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) throw new RaftCodecError(`${field} exceeds 2^53`, start);
        return value;
      }
      scale *= 0x80;
    }
    throw new RaftCodecError(`${field}: varint longer than ${maxVarintBytes} bytes`, start);
  }

  bytes(field: string): Uint8Array {
    const length = this.varint(`${field} length`);
    if (length > this.input.length - this.position) {
      throw new RaftCodecError(`truncated input: ${field} needs ${length} bytes`, this.position);
    }
    const value = this.input.slice(this.position, this.position + length);
    this.position += length;
    return value;
  }

  string(field: string): string {
    const start = this.position;
    const raw = this.bytes(field);
    try {
      return utf8Decoder.decode(raw);
    } catch {
      throw new RaftCodecError(`${field} is not valid UTF-8`, start);
    }
  }

  /** A count of items that each take at least one byte (guards against huge bogus counts). */
  count(field: string): number {
    const start = this.position;
    const value = this.varint(field);
    if (value > this.input.length - this.position) {
      throw new RaftCodecError(`${field} ${value} exceeds the remaining input`, start);
    }
    return value;
  }

  end(): void {
    if (this.position !== this.input.length) {
      throw new RaftCodecError(`${this.input.length - this.position} trailing bytes`, this.position);
    }
  }

  get offset(): number {
    return this.position;
  }
}
