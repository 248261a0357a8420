/**
 * The clock-skew file of one node (pure formatting). libfaketime reads
 * FAKETIME_TIMESTAMP_FILE on every call when FAKETIME_NO_CACHE=1; a relative
 * spec such as `+90.000` or `-1.500` offsets the wall clock by that many
 * seconds while the monotonic clock stays real (FAKETIME_DONT_FAKE_MONOTONIC=1
 * — a backwards monotonic step crashes Node).
 */
import { HarnessError } from '../../errors/index.js';

/** The largest skew the backend accepts (a year); beyond that it is surely a unit mistake. */
export const clockOffsetMaxMs = 366 * 24 * 3600 * 1000;

/** The libfaketime spec for a wall-clock offset in milliseconds. */
export function faketimeSpec(offsetMs: number): string {
  if (!Number.isInteger(offsetMs) || Math.abs(offsetMs) > clockOffsetMaxMs) {
    throw new HarnessError(
      'INVALID_OPTION',
      `clock offset must be an integer number of ms within ±${clockOffsetMaxMs}, got ${offsetMs}`,
    );
  }
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(offsetMs);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}\n`;
}
