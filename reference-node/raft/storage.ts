/**
 * What the Raft core reads from durable storage (etcd's `Storage` interface).
 *
 * The core only reads; the application writes (append entries, set the hard
 * state, install or create snapshots, compact) in the order the `Ready`
 * contract prescribes. Every method is synchronous: an implementation backed
 * by an asynchronous store keeps a memory image (as etcd keeps MemoryStorage
 * next to its WAL) — see {@link MemoryStorage}.
 */
import type { ConfState, Entry, HardState, LogIndex, Snapshot, Term } from './types.js';

/** The persisted state a node restarts from. */
export interface InitialState {
  readonly hardState: HardState;
  /**
   * Membership as of the application's applied index (the `applied` given in
   * the Raft config): the application persists the ConfState returned by
   * `applyConfChange` together with its applied index.
   */
  readonly confState: ConfState;
}

export interface Storage {
  initialState(): InitialState;
  /**
   * Entries in [lo, hi). Throws RaftError `Compacted` when lo < firstIndex,
   * `Unavailable` when hi > lastIndex + 1.
   */
  entries(lo: LogIndex, hi: LogIndex): readonly Entry[];
  /**
   * Term of entry `index`, for index in [firstIndex - 1, lastIndex] (the entry
   * at firstIndex - 1 is the snapshot's). Throws `Compacted` below that range,
   * `Unavailable` above it.
   */
  term(index: LogIndex): Term;
  /** Index of the first entry still available (snapshot index + 1). */
  firstIndex(): LogIndex;
  /** Index of the last entry (the snapshot index when the log is empty). */
  lastIndex(): LogIndex;
  /** The most recent snapshot; throws `SnapshotUnavailable` if it is not ready yet. */
  snapshot(): Snapshot;
}
