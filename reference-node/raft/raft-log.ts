/**
 * The node's view of the log (etcd's raftLog): persisted entries in Storage,
 * the unstable tail, the commit index and the applied index.
 *
 * Invariant: applied ≤ committed ≤ lastIndex, firstIndex - 1 ≤ applied.
 */
import { assert, isRaftError } from './errors.js';
import type { Storage } from './storage.js';
import type { Entry, LogIndex, Snapshot, Term } from './types.js';
import { asLogIndex, asTerm } from './types.js';
import { Unstable } from './unstable.js';

export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(readonly storage: Storage) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): LogIndex {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of entry `index`, or null when it is compacted away or beyond the log. */
  term(index: number): Term | null {
    const dummyIndex = this.firstIndex() - 1;
    if (index < dummyIndex || index > this.lastIndex()) return null;
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm !== null) return unstableTerm;
    try {
      return this.storage.term(asLogIndex(index));
    } catch (error) {
      if (isRaftError(error, 'Compacted') || isRaftError(error, 'Unavailable')) return null;
      throw error;
    }
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex());
    assert(term !== null, () => `no term for the last index ${this.lastIndex()}`);
    return term;
  }

  matchTerm(index: number, term: Term): boolean {
    return this.term(index) === term;
  }

  /** Whether a candidate whose log ends at (lastIndex, lastTerm) is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Index of the first entry whose term differs from ours (or which is new), 0 when all match. */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term` (with that term): the
   * fast-backtracking hint of etcd (a rejected probe skips a whole term).
   */
  findConflictByTerm(index: number, term: Term): { index: LogIndex; term: Term } {
    for (let i = index; i > 0; i--) {
      const t = this.term(i);
      if (t === null) return { index: asLogIndex(i), term: asTerm(0) };
      if (t <= term) return { index: asLogIndex(i), term: t };
    }
    return { index: asLogIndex(0), term: asTerm(0) };
  }

  /**
   * Follower side of an Append: if our entry at `index` has `logTerm`, append
   * the non-matching suffix of `entries`, advance commit to
   * min(leaderCommit, last new index) and return the last new index; else null.
   */
  maybeAppend(index: number, logTerm: Term, leaderCommit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(index, logTerm)) return null;
    const lastNew = index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(
        conflict > this.committed,
        () => `entry ${conflict} conflicts with committed entry (committed ${this.committed})`,
      );
      this.append(entries.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  append(entries: readonly Entry[]): LogIndex {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    assert(
      first.index - 1 >= this.committed,
      () => `append at ${first.index} would overwrite committed ${this.committed}`,
    );
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), () => `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Leader: commit `index` only if its entry is from `term` (Raft §5.4.2). */
  maybeCommit(index: number, term: Term): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(
      index <= this.committed && index >= this.applied,
      () => `applied ${index} outside [${this.applied}, ${this.committed}]`,
    );
    this.applied = index;
  }

  /** Entries in [lo, hi), at most `maxCount` of them; null when lo is compacted away. */
  slice(lo: number, hi: number, maxCount = Number.POSITIVE_INFINITY): Entry[] | null {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return null;
    assert(hi <= this.lastIndex() + 1, () => `slice[${lo},${hi}) beyond last index ${this.lastIndex()}`);
    const end = Math.min(hi, lo + maxCount);
    const result: Entry[] = [];
    const unstableStart = this.unstable.offset;
    if (lo < unstableStart) {
      try {
        appendAll(result, this.storage.entries(asLogIndex(lo), asLogIndex(Math.min(end, unstableStart))));
      } catch (error) {
        if (isRaftError(error, 'Compacted')) return null;
        throw error;
      }
    }
    if (end > unstableStart) appendAll(result, this.unstable.slice(Math.max(lo, unstableStart), end));
    return result;
  }

  /** Entries to persist. */
  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** Up to `maxCount` committed entries not yet applied (none while a snapshot waits to be installed). */
  nextCommittedEntries(maxCount: number): Entry[] {
    if (this.unstable.snapshot !== null) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const entries = this.slice(lo, this.committed + 1, maxCount);
    assert(entries !== null, () => `committed entries from ${lo} are compacted`);
    return entries;
  }

  hasNextCommittedEntries(): boolean {
    if (this.unstable.snapshot !== null) return false;
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** The snapshot to send to a lagging follower. Throws what Storage throws. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }
}

/**
 * Appends `entries` to `target` one by one: a slice can span the whole log,
 * and `push(...entries)` overflows the call stack from a few tens of
 * thousands of elements.
 */
function appendAll(target: Entry[], entries: readonly Entry[]): void {
  for (const entry of entries) target.push(entry);
}
