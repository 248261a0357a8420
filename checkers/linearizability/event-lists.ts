// The events of one partition's operations on two doubly linked lists in
// time order: calls and returns of completed operations, and calls of
// operations with unknown outcome. Linearizing an operation unlinks its events;
// backtracking relinks them in reverse order (dancing links), so both are O(1).
import type { Operation } from './operation.js';

/**
 * Insertion sort of `items[0…count)` by `times` (ties by value) when it needs
 * at most `shiftsMax` shifts; returns false (order unspecified) past that.
 * Calls come sorted and returns nearly so (an op's return is out of order only
 * against the ops its interval contains), so this is linear in practice and
 * allocates nothing; the caller falls back to a general sort otherwise.
 */
function insertionSorted(items: Int32Array, count: number, times: Float64Array, shiftsMax: number): boolean {
  let shifts = 0;
  for (let i = 1; i < count; i += 1) {
    const item = items[i] ?? 0;
    const time = times[item] ?? 0;
    let j = i - 1;
    while (j >= 0) {
      const other = items[j] ?? 0;
      const otherTime = times[other] ?? 0;
      if (otherTime < time || (otherTime === time && other < item)) break;
      items[j + 1] = other;
      j -= 1;
      shifts += 1;
    }
    items[j + 1] = item;
    if (shifts > shiftsMax) return false;
  }
  return true;
}

/** Sorts `items[0…count)` by `times`, ties by value. */
function sortByTime(items: Int32Array, count: number, times: Float64Array): void {
  if (insertionSorted(items, count, times, 16 * count + 64)) return;
  const sorted = Array.from(items.subarray(0, count)).sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || a - b);
  items.set(sorted);
}

/** The event lists and per-operation tables of one partition. */
export class EventLists {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Global time rank of each event (call 2i, return 2i+1). */
  readonly rank: Int32Array;
  /** The events by rank (the inverse of `rank`); `eventCount` of them. */
  readonly byRank: Int32Array;
  readonly eventCount: number;
  readonly headRequired: number;
  readonly headUnknown: number;

  /**
   * `merged`: unknown-outcome calls go on the first list too, among the other
   * events in time order (porcupine's order); the second list stays empty.
   */
  constructor(ops: readonly Operation<unknown, unknown>[], merged = false) {
    const n = ops.length;
    this.next = new Int32Array(2 * n + 2).fill(-1);
    this.prev = new Int32Array(2 * n + 2).fill(-1);
    this.rank = new Int32Array(2 * n);
    this.headRequired = 2 * n;
    this.headUnknown = 2 * n + 1;
    // Calls and returns are each sorted (by time, then op), then merged; at
    // equal times a call goes first (closed intervals: the two overlap).
    const calls = new Int32Array(n);
    const returns = new Int32Array(n);
    const callTimes = new Float64Array(n);
    const returnTimes = new Float64Array(n);
    let returnCount = 0;
    for (let i = 0; i < n; i += 1) {
      const op = ops[i] as Operation<unknown, unknown>;
      calls[i] = i;
      callTimes[i] = op.call;
      if (op.return !== undefined) {
        returns[returnCount] = i;
        returnTimes[i] = op.return;
        returnCount += 1;
      }
    }
    sortByTime(calls, n, callTimes);
    sortByTime(returns, returnCount, returnTimes);
    const eventCount = n + returnCount;
    this.eventCount = eventCount;
    const byRank = new Int32Array(eventCount);
    this.byRank = byRank;
    const { next, prev, rank } = this;
    let tailRequired = this.headRequired;
    let tailUnknown = this.headUnknown;
    let c = 0;
    let r = 0;
    for (let position = 0; position < eventCount; position += 1) {
      let event: number;
      if (r >= returnCount || (c < n && (callTimes[calls[c] ?? 0] ?? 0) <= (returnTimes[returns[r] ?? 0] ?? 0))) {
        event = 2 * (calls[c] ?? 0);
        c += 1;
      } else {
        event = 2 * (returns[r] ?? 0) + 1;
        r += 1;
      }
      rank[event] = position;
      byRank[position] = event;
      if (!merged && (event & 1) === 0 && ops[event >> 1]?.return === undefined) {
        next[tailUnknown] = event;
        prev[event] = tailUnknown;
        tailUnknown = event;
      } else {
        next[tailRequired] = event;
        prev[event] = tailRequired;
        tailRequired = event;
      }
    }
  }

  /** The first return event still on the required list (-1 when none): where the search stands. */
  firstPendingReturn(): number {
    const next = this.next;
    let e = next[this.headRequired] ?? -1;
    while (e !== -1 && (e & 1) === 0) e = next[e] ?? -1;
    return e;
  }

  /** The latest return event ranked before `rank` (-1 when none). */
  returnBefore(rank: number): number {
    for (let position = rank - 1; position >= 0; position -= 1) {
      const event = this.byRank[position] ?? 0;
      if ((event & 1) === 1) return event;
    }
    return -1;
  }

  lift(op: number, required: boolean): void {
    const next = this.next;
    const prev = this.prev;
    let event = 2 * op;
    let p = prev[event] ?? -1;
    let q = next[event] ?? -1;
    next[p] = q;
    if (q !== -1) prev[q] = p;
    if (!required) return;
    event += 1;
    p = prev[event] ?? -1;
    q = next[event] ?? -1;
    next[p] = q;
    if (q !== -1) prev[q] = p;
  }

  unlift(op: number, required: boolean): void {
    const next = this.next;
    const prev = this.prev;
    let event = 2 * op + 1;
    if (required) {
      const p = prev[event] ?? -1;
      const q = next[event] ?? -1;
      next[p] = event;
      if (q !== -1) prev[q] = event;
    }
    event -= 1;
    const p = prev[event] ?? -1;
    const q = next[event] ?? -1;
    next[p] = event;
    if (q !== -1) prev[q] = event;
  }
}
