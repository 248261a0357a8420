// Places a sample (or any instant) in the history: the last op recorded at
// or before it. Findings drawn from status samples name that op, so a report
// can link them and the bug matrix can time detection by op index.
import type { HistoryOp } from '../history/index.js';

/** A lookup from a time (ns since the test started) to the index of the last op at or before it. */
export type HistoryPosition = (timeNs: number) => number | undefined;

/** Builds the lookup (ops without a time are skipped; times are taken in history order, kept monotone). */
export function historyPosition(history: readonly HistoryOp[]): HistoryPosition {
  const times: number[] = [];
  const indexes: number[] = [];
  let latest = -Infinity;
  for (const op of history) {
    if (op.time === undefined) continue;
    // Line order is real-time order; a time that steps back is clamped so the search stays valid.
    latest = Math.max(latest, op.time);
    times.push(latest);
    indexes.push(op.index);
  }
  return (timeNs) => {
    let low = 0;
    let high = times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((times[middle] ?? Infinity) <= timeNs) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? undefined : indexes[low - 1];
  };
}
