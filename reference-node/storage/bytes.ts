/**
 * Byte helpers shared by the storage layer's codecs (big-endian integers,
 * concatenation, ordering). Kept here so every layout in this folder spells
 * its integers the same way.
 */

const UINT64_MAX = (1n << 64n) - 1n;

/** Big-endian 8 bytes of an unsigned 64-bit value. */
export function encodeUint64BE(value: bigint): Uint8Array {
  if (value < 0n || value > UINT64_MAX) {
    throw new RangeError(`uint64 out of range: ${value}`);
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}

/** Reads a big-endian unsigned 64-bit value at `offset` (caller checks the length). */
export function readUint64BE(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, false);
}

/** Big-endian 8 bytes of a non-negative safe integer (log indexes, terms). */
export function encodeIndexBE(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`index out of range: ${value}`);
  }
  return encodeUint64BE(BigInt(value));
}

/** Reads a big-endian 64-bit value that must fit a safe integer. */
export function readIndexBE(bytes: Uint8Array, offset: number): number {
  const value = readUint64BE(bytes, offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`stored index ${value} exceeds the safe integer range`);
  }
  return Number(value);
}

/** Concatenates a few byte arrays into a fresh array (for a list that grows with the data, use {@link concatByteArrays}). */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return concatByteArrays(parts);
}

/**
 * Concatenates a list of byte arrays into a fresh array. Takes the list
 * itself rather than spread arguments: a spread of a per-row or per-entry
 * array overflows the call stack from a few tens of thousands of elements.
 */
export function concatByteArrays(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/** True when `bytes` starts with `prefix`. */
export function hasPrefix(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[i] !== prefix[i]) return false;
  }
  return true;
}

/** A plain Uint8Array view of a Buffer or Uint8Array (so equality checks do not see Buffer subclasses). */
export function asPlainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
