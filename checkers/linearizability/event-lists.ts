// The events of one partition's operations on two doubly linked lists in
// time order: calls and returns of completed operations, and calls of
// operations with unknown outcome. Linearizing an operation unlinks its events;
// backtracking relinks them in reverse order (dancing links), so both are O(1).
import type { Operation } from './operation.js';

/** The event lists and per-operation tables of one partition. */
export class EventLists {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Global time rank of each event (call 2i, return 2i+1). */
  readonly rank: Int32Array;
  readonly headRequired: number;
  readonly headUnknown: number;
  /** Return events in time order (for previous-ok). */
  readonly returnsInOrder: number[] = [];

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
    const events: number[] = [];
    const times = new Float64Array(2 * n);
    for (let i = 0; i < n; i += 1) {
      const op = ops[i] as Operation<unknown, unknown>;
      events.push(2 * i);
      times[2 * i] = op.call;
      if (op.return !== undefined) {
        events.push(2 * i + 1);
        times[2 * i + 1] = op.return;
      }
    }
    // Closed intervals: at equal times a call sorts before a return, so the two overlap.
    events.sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || (a & 1) - (b & 1) || a - b);
    let tailRequired = this.headRequired;
    let tailUnknown = this.headUnknown;
    events.forEach((event, position) => {
      this.rank[event] = position;
      const unknown = !merged && ops[event >> 1]?.return === undefined;
      if ((event & 1) === 1) this.returnsInOrder.push(event);
      const tail = unknown ? tailUnknown : tailRequired;
      this.next[tail] = event;
      this.prev[event] = tail;
      if (unknown) tailUnknown = event; else tailRequired = event;
    });
  }

  lift(op: number, required: boolean): void {
    this.unlink(2 * op);
    if (required) this.unlink(2 * op + 1);
  }

  unlift(op: number, required: boolean): void {
    if (required) this.relink(2 * op + 1);
    this.relink(2 * op);
  }

  private unlink(event: number): void {
    const p = this.prev[event] ?? -1;
    const q = this.next[event] ?? -1;
    this.next[p] = q;
    if (q !== -1) this.prev[q] = p;
  }

  private relink(event: number): void {
    const p = this.prev[event] ?? -1;
    const q = this.next[event] ?? -1;
    this.next[p] = event;
    if (q !== -1) this.prev[q] = event;
  }
}
