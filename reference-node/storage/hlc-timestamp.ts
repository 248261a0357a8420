/**
 * The layout of an HLC timestamp as stored in MVCC keys: a uint64 whose high
 * 48 bits are physical milliseconds and whose low 16 bits are a logical
 * counter. TTLs (`expireAt`) are compared against the physical part.
 */

/** Bits of the logical counter. */
export const HLC_LOGICAL_BITS = 16n;
/** Largest logical counter value before the physical part must advance. */
export const HLC_LOGICAL_MAX = (1n << HLC_LOGICAL_BITS) - 1n;

/** Builds a timestamp from physical milliseconds and a logical counter. */
export function hlcTimestamp(physicalMs: bigint, logical: bigint): bigint {
  if (logical < 0n || logical > HLC_LOGICAL_MAX) throw new RangeError(`logical counter ${logical} out of range`);
  if (physicalMs < 0n || physicalMs >= 1n << (64n - HLC_LOGICAL_BITS))
    throw new RangeError(`physical ms ${physicalMs} out of range`);
  return (physicalMs << HLC_LOGICAL_BITS) | logical;
}

/** The physical milliseconds of a timestamp. */
export function hlcPhysicalMs(timestamp: bigint): bigint {
  return timestamp >> HLC_LOGICAL_BITS;
}

/** The logical counter of a timestamp. */
export function hlcLogical(timestamp: bigint): bigint {
  return timestamp & HLC_LOGICAL_MAX;
}
