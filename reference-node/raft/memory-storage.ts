/**
 * An in-memory {@link Storage} (etcd's MemoryStorage): the log after the last
 * snapshot, the hard state, the configuration and the latest snapshot.
 *
 * The application writes to it while handling a Ready: `applySnapshot` (a
 * received snapshot), `append` (new entries), `setHardState`; and later
 * `createSnapshot` + `compact` when it decides to shrink the log. A durable
 * shell keeps one of these as the memory image of its on-disk log.
 */
import { assert, RaftError } from './errors.js';
import type { InitialState, Storage } from './storage.js';
import type { ConfState, Entry, HardState, LogIndex, Snapshot, Term } from './types.js';
import { asLogIndex, asTerm } from './types.js';

const emptyConfState: ConfState = Object.freeze({ voters: [], learners: [] });

/** Log storage held in memory. */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: asTerm(0), vote: null, commit: asLogIndex(0) };
  private confState: ConfState = emptyConfState;
  private latestSnapshot: Snapshot = {
    metadata: { index: asLogIndex(0), term: asTerm(0), confState: emptyConfState },
    data: new Uint8Array(0),
  };
  /** entries[0] is a dummy holding the snapshot's index and term; real entries follow. */
  private log: Entry[] = [{ index: asLogIndex(0), term: asTerm(0), type: 0, data: new Uint8Array(0) }];

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.confState };
  }

  /** Persists the hard state (term, vote, commit). */
  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /**
   * Records the membership as of the application's applied index (what
   * `applyConfChange` returned). Restart hands it back through initialState.
   */
  setConfState(confState: ConfState): void {
    this.confState = confState;
  }

  private get offset(): number {
    return this.dummy.index;
  }

  private get dummy(): Entry {
    const first = this.log[0];
    assert(first !== undefined, 'MemoryStorage lost its dummy entry');
    return first;
  }

  firstIndex(): LogIndex {
    return asLogIndex(this.offset + 1);
  }

  lastIndex(): LogIndex {
    return asLogIndex(this.offset + this.log.length - 1);
  }

  term(index: LogIndex): Term {
    if (index < this.offset)
      throw new RaftError('Compacted', `index ${index} is compacted (first index ${this.firstIndex()})`);
    const entry = this.log[index - this.offset];
    if (entry === undefined)
      throw new RaftError('Unavailable', `index ${index} is beyond the last index ${this.lastIndex()}`);
    return entry.term;
  }

  entries(lo: LogIndex, hi: LogIndex): readonly Entry[] {
    assert(lo <= hi, () => `MemoryStorage.entries: invalid range [${lo}, ${hi})`);
    if (lo <= this.offset)
      throw new RaftError('Compacted', `index ${lo} is compacted (first index ${this.firstIndex()})`);
    if (hi > this.lastIndex() + 1)
      throw new RaftError('Unavailable', `index ${hi - 1} is beyond the last index ${this.lastIndex()}`);
    return this.log.slice(lo - this.offset, hi - this.offset);
  }

  snapshot(): Snapshot {
    return this.latestSnapshot;
  }

  /**
   * Replaces the whole state with a received snapshot (Ready.snapshot). Refuses
   * (`SnapshotOutOfDate`) a snapshot older than the one held.
   */
  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.metadata.index < this.latestSnapshot.metadata.index) {
      throw new RaftError(
        'SnapshotOutOfDate',
        `snapshot ${snapshot.metadata.index} is older than ${this.latestSnapshot.metadata.index}`,
      );
    }
    this.latestSnapshot = snapshot;
    this.log = [{ index: snapshot.metadata.index, term: snapshot.metadata.term, type: 0, data: new Uint8Array(0) }];
    this.confState = snapshot.metadata.confState;
  }

  /**
   * Records a snapshot of the state machine at `index` (≤ lastIndex), whose
   * membership is `confState`. Refuses (`SnapshotOutOfDate`) an index at or
   * below the current snapshot. Does not compact: call {@link compact}.
   */
  createSnapshot(index: LogIndex, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.latestSnapshot.metadata.index) {
      throw new RaftError(
        'SnapshotOutOfDate',
        `snapshot index ${index} is not above ${this.latestSnapshot.metadata.index}`,
      );
    }
    assert(index <= this.lastIndex(), () => `createSnapshot(${index}) beyond last index ${this.lastIndex()}`);
    const term = this.term(index);
    this.latestSnapshot = { metadata: { index, term, confState }, data };
    return this.latestSnapshot;
  }

  /**
   * Discards entries up to and including `compactIndex`. The index must not
   * exceed the latest snapshot's (a leader must always be able to send a
   * snapshot covering whatever it compacted): `Unavailable` otherwise;
   * `Compacted` when already compacted past it.
   */
  compact(compactIndex: LogIndex): void {
    if (compactIndex <= this.offset) throw new RaftError('Compacted', `index ${compactIndex} is already compacted`);
    if (compactIndex > this.latestSnapshot.metadata.index) {
      throw new RaftError(
        'Unavailable',
        `compact(${compactIndex}) beyond the latest snapshot index ${this.latestSnapshot.metadata.index}`,
      );
    }
    const kept = this.log.slice(compactIndex - this.offset);
    const head = kept[0];
    assert(head !== undefined, 'compact: lost the new dummy entry');
    kept[0] = { index: head.index, term: head.term, type: 0, data: new Uint8Array(0) };
    this.log = kept;
  }

  /**
   * Appends entries (Ready.entries), truncating any conflicting suffix. Entries
   * at or below the compaction point are skipped; a gap after lastIndex is an
   * assertion failure.
   */
  append(entries: readonly Entry[]): void {
    const firstNew = entries[0];
    if (firstNew === undefined) return;
    const first = this.firstIndex();
    const last = firstNew.index + entries.length - 1;
    if (last < first) return;
    const fresh = first > firstNew.index ? entries.slice(first - firstNew.index) : entries;
    const start = fresh[0];
    assert(start !== undefined, 'append: empty after trimming');
    const position = start.index - this.offset;
    assert(position <= this.log.length, () => `append: gap (last index ${this.lastIndex()}, appending ${start.index})`);
    // In place: copying the whole log on every append would be quadratic.
    this.log.length = position;
    for (const entry of fresh) this.log.push(entry);
  }
}
