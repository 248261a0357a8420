/**
 * The not-yet-persisted tail of the log (etcd's `unstable`): entries and at
 * most one snapshot that the next Ready hands to the application to persist.
 * `offset` is the index of `entries[0]`.
 */
import { assert } from './errors.js';
import type { Entry, LogIndex, Snapshot, Term } from './types.js';
import { asLogIndex } from './types.js';

export class Unstable {
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];

  constructor(public offset: number) {}

  /** First index covered here if a snapshot is pending (snapshot index + 1), else null. */
  maybeFirstIndex(): LogIndex | null {
    return this.snapshot === null ? null : asLogIndex(this.snapshot.metadata.index + 1);
  }

  maybeLastIndex(): LogIndex | null {
    if (this.entries.length > 0) return asLogIndex(this.offset + this.entries.length - 1);
    return this.snapshot === null ? null : this.snapshot.metadata.index;
  }

  maybeTerm(index: number): Term | null {
    if (index < this.offset) {
      return this.snapshot !== null && this.snapshot.metadata.index === index ? this.snapshot.metadata.term : null;
    }
    return this.entries[index - this.offset]?.term ?? null;
  }

  /** Entries up to `index` (with `term`) were persisted; a changed term means they were replaced since. */
  stableTo(index: number, term: Term): void {
    if (index < this.offset || this.maybeTerm(index) !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapTo(index: number): void {
    if (this.snapshot !== null && this.snapshot.metadata.index === index) this.snapshot = null;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const after = first.index;
    if (after === this.offset + this.entries.length) {
      this.entries = this.entries.concat(entries);
    } else if (after <= this.offset) {
      // Replaces everything held here; the storage below truncates on append.
      this.offset = after;
      this.entries = [...entries];
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(entries);
    }
  }

  /** Entries in [lo, hi), which must lie within this segment. */
  slice(lo: number, hi: number): Entry[] {
    assert(
      lo >= this.offset && lo <= hi && hi <= this.offset + this.entries.length,
      () => `unstable.slice[${lo},${hi}) out of bounds [${this.offset},${this.offset + this.entries.length})`,
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
