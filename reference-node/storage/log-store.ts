/**
 * The durable Raft log: entries, hard state, conf state and the newest
 * snapshot (metadata in the database, data in a CRC-checked file).
 *
 * Durability contract (etcd raft's Ready): entries and hard state handed out
 * by the Raft core must be durable before its messages are sent, so
 * `append` and `saveSnapshot` default to `sync: true`.
 */
import { asLogIndex } from '../raft/types.js';
import type { ConfState, Entry, HardState, LogIndex, Snapshot, SnapshotMetadata, Term } from '../raft/types.js';
import type { BatchOperation, NodeDatabase } from './node-database.js';
import {
  decodeConfState,
  decodeEntryValue,
  decodeHardState,
  decodeSnapshotMetadata,
  encodeConfState,
  encodeEntryValue,
  encodeHardState,
  encodeSnapshotMetadata,
  logKey,
} from './raft-record-codec.js';
import { readIndexBE } from './bytes.js';
import { readSnapshotFile, removeSnapshotFilesExcept, writeSnapshotFile } from './snapshot-file.js';
import { SerialQueue } from './serial-queue.js';
import { StorageError } from './storage-error.js';

const textEncoder = new TextEncoder();
const HARD_STATE_KEY = textEncoder.encode('hardState');
const CONF_STATE_KEY = textEncoder.encode('confState');
const SNAPSHOT_KEY = textEncoder.encode('snapshot');

/** What a node recovers from its log store at start. */
export interface LoadedLog {
  readonly hardState: HardState | null;
  readonly confState: ConfState | null;
  /** The newest snapshot (data verified against its CRC), or null. */
  readonly snapshot: Snapshot | null;
  /** Every entry after the snapshot (or the whole log), in index order. */
  readonly entries: readonly Entry[];
}

/** Durability of a write; defaults to synced. */
export interface WriteOptions {
  readonly sync?: boolean;
}

/** The Raft log of one node, on the node's database. */
export class LogStore {
  private readonly queue = new SerialQueue();
  /** Index of the first stored entry; `lastIndex + 1` when the log is empty. */
  private first = 1;
  private last = 0;
  private snapshotMetadata: SnapshotMetadata | null = null;
  private closed = false;

  private constructor(private readonly database: NodeDatabase) {}

  /** Opens the log store on an open node database and reads its bounds. */
  static async open(database: NodeDatabase): Promise<LogStore> {
    const store = new LogStore(database);
    const snapshotBytes = await database.raftMeta.get(SNAPSHOT_KEY);
    store.snapshotMetadata = snapshotBytes === undefined ? null : decodeSnapshotMetadata(snapshotBytes);
    const floor = store.snapshotMetadata?.index ?? 0;
    const firstKeys = await database.log.keys({ limit: 1 }).all();
    const lastKeys = await database.log.keys({ limit: 1, reverse: true }).all();
    const firstKey = firstKeys[0];
    const lastKey = lastKeys[0];
    if (firstKey === undefined || lastKey === undefined) {
      store.first = floor + 1;
      store.last = floor;
    } else {
      store.first = readIndexBE(firstKey, 0);
      store.last = Math.max(readIndexBE(lastKey, 0), floor);
    }
    return store;
  }

  /** Index of the first entry still stored (after compaction). */
  firstIndex(): LogIndex {
    return asLogIndex(this.first);
  }

  /** Index of the last entry (or the snapshot index when the log is empty). */
  lastIndex(): LogIndex {
    return asLogIndex(this.last);
  }

  /** Metadata of the newest durable snapshot, or null. */
  snapshotMetadataOrNull(): SnapshotMetadata | null {
    return this.snapshotMetadata;
  }

  /**
   * The durable hard state and conf state, read without any side effect
   * (unlike {@link load}, which also removes stale snapshot files): for the
   * offline inspection tool.
   */
  async readRaftMetadata(): Promise<{ readonly hardState: HardState | null; readonly confState: ConfState | null }> {
    this.assertOpen();
    const hardStateBytes = await this.database.raftMeta.get(HARD_STATE_KEY);
    const confStateBytes = await this.database.raftMeta.get(CONF_STATE_KEY);
    return {
      hardState: hardStateBytes === undefined ? null : decodeHardState(hardStateBytes),
      confState: confStateBytes === undefined ? null : decodeConfState(confStateBytes),
    };
  }

  /** Reads everything a restarting node needs (see {@link LoadedLog}). */
  async load(): Promise<LoadedLog> {
    this.assertOpen();
    return this.queue.run(async () => {
      const hardStateBytes = await this.database.raftMeta.get(HARD_STATE_KEY);
      const confStateBytes = await this.database.raftMeta.get(CONF_STATE_KEY);
      const metadata = this.snapshotMetadata;
      let snapshot: Snapshot | null = null;
      if (metadata !== null) {
        const data = await readSnapshotFile(this.database.dataDir, metadata.term, metadata.index);
        snapshot = { metadata, data };
      }
      // Files of older snapshots, of a snapshot whose metadata never committed,
      // or torn temporary files may survive a crash; remove them now.
      await removeSnapshotFilesExcept(this.database.dataDir, metadata);
      const from = Math.max(this.first, (metadata?.index ?? 0) + 1);
      const entries = await this.readRange(from, this.last + 1);
      return {
        hardState: hardStateBytes === undefined ? null : decodeHardState(hardStateBytes),
        confState: confStateBytes === undefined ? null : decodeConfState(confStateBytes),
        snapshot,
        entries,
      };
    });
  }

  /**
   * Appends `entries` (contiguous, first index ≤ lastIndex + 1) and, in the
   * same atomic batch, the hard state. Every stored entry with an index ≥ the
   * first new index that the new entries do not overwrite is deleted: a
   * conflicting suffix never survives next to a newer leader's entries.
   */
  async append(entries: readonly Entry[], hardState?: HardState | null, options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    return this.queue.run(async () => {
      const operations: BatchOperation[] = [];
      const firstNew = entries[0];
      const lastNew = entries[entries.length - 1];
      if (firstNew !== undefined && lastNew !== undefined) {
        this.validateAppend(entries);
        for (const entry of entries) {
          operations.push({
            type: 'put',
            sublevel: this.database.log,
            key: logKey(entry.index),
            value: encodeEntryValue(entry),
          });
        }
        for (let index = lastNew.index + 1; index <= this.last; index++) {
          operations.push({ type: 'del', sublevel: this.database.log, key: logKey(index) });
        }
      }
      if (hardState) {
        operations.push({
          type: 'put',
          sublevel: this.database.raftMeta,
          key: HARD_STATE_KEY,
          value: encodeHardState(hardState),
        });
      }
      await this.database.write(operations, options.sync ?? true);
      if (firstNew !== undefined && lastNew !== undefined) {
        if (this.first > this.last) this.first = firstNew.index;
        this.last = lastNew.index;
      }
    });
  }

  private validateAppend(entries: readonly Entry[]): void {
    const firstNew = entries[0]!;
    const floor = this.snapshotMetadata?.index ?? 0;
    if (firstNew.index <= floor) {
      throw new StorageError(
        'ErrLogGap',
        `append starts at index ${firstNew.index}, at or below the snapshot index ${floor}`,
      );
    }
    if (firstNew.index > this.last + 1) {
      throw new StorageError(
        'ErrLogGap',
        `append starts at index ${firstNew.index} but the last index is ${this.last}`,
      );
    }
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]!.index !== entries[i - 1]!.index + 1) {
        throw new StorageError(
          'ErrLogGap',
          `appended entries are not contiguous at position ${i} (index ${entries[i]!.index})`,
        );
      }
    }
  }

  /** Persists the hard state alone (e.g. a vote without new entries). */
  async setHardState(hardState: HardState, options: WriteOptions = {}): Promise<void> {
    return this.append([], hardState, options);
  }

  /** Persists the membership after a conf change entry was applied. */
  async setConfState(confState: ConfState, options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    return this.queue.run(() =>
      this.database.write(
        [{ type: 'put', sublevel: this.database.raftMeta, key: CONF_STATE_KEY, value: encodeConfState(confState) }],
        options.sync ?? true,
      ),
    );
  }

  /** Entries in [lo, hi). `ErrCompacted` below the first index, `ErrUnavailable` past the last. */
  async entries(lo: LogIndex, hi: LogIndex): Promise<Entry[]> {
    this.assertOpen();
    return this.queue.run(async () => {
      if (lo < this.first) throw new StorageError('ErrCompacted', `index ${lo} is below the first index ${this.first}`);
      if (hi > this.last + 1)
        throw new StorageError('ErrUnavailable', `index ${hi - 1} is past the last index ${this.last}`);
      return this.readRange(lo, hi);
    });
  }

  /** The term of the entry at `index` (the snapshot's term at the snapshot index). */
  async term(index: LogIndex): Promise<Term> {
    if (this.snapshotMetadata !== null && index === this.snapshotMetadata.index) return this.snapshotMetadata.term;
    const [entry] = await this.entries(index, asLogIndex(index + 1));
    if (entry === undefined) throw new StorageError('ErrUnavailable', `no entry at index ${index}`);
    return entry.term;
  }

  private async readRange(lo: number, hi: number): Promise<Entry[]> {
    if (lo >= hi) return [];
    const rows = await this.database.log.iterator({ gte: logKey(lo), lt: logKey(hi) }).all();
    const entries = rows.map(([key, value]) => decodeEntryValue(asLogIndex(readIndexBE(key, 0)), value));
    entries.forEach((entry, offset) => {
      if (entry.index !== lo + offset) {
        throw new StorageError('ErrCorruptMetadata', `log hole: expected index ${lo + offset}, found ${entry.index}`);
      }
    });
    if (entries.length !== hi - lo) {
      throw new StorageError(
        'ErrCorruptMetadata',
        `log hole: expected ${hi - lo} entries from ${lo}, found ${entries.length}`,
      );
    }
    return entries;
  }

  /**
   * Makes `snapshot` the newest durable snapshot. Its data goes to a file
   * first (crash-safe); then one synced batch records its metadata. If the
   * log holds the snapshot's last entry with the same term, the entries after
   * it are kept (a locally taken snapshot); otherwise the whole log is
   * discarded (a snapshot installed from the leader). The conf state becomes
   * the snapshot's. Older snapshot files are removed last.
   */
  async saveSnapshot(snapshot: Snapshot, options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    const { metadata } = snapshot;
    this.assertNewerSnapshot(metadata);
    // The file (megabytes, synced) is written outside the queue, so appends of
    // the running Raft loop do not wait behind it; it counts only once the
    // metadata naming it commits below. Callers save one snapshot at a time.
    await writeSnapshotFile(this.database.dataDir, metadata.term, metadata.index, snapshot.data);
    return this.queue.run(async () => {
      this.assertNewerSnapshot(metadata);
      const keepsLog = await this.logMatches(metadata);
      // The conf state is always the snapshot's: for a local snapshot it equals
      // the stored one (membership as of the applied index); for an install it
      // is the leader's membership at the snapshot index.
      const operations: BatchOperation[] = [
        { type: 'put', sublevel: this.database.raftMeta, key: SNAPSHOT_KEY, value: encodeSnapshotMetadata(metadata) },
        {
          type: 'put',
          sublevel: this.database.raftMeta,
          key: CONF_STATE_KEY,
          value: encodeConfState(metadata.confState),
        },
      ];
      if (!keepsLog) {
        for (let index = this.first; index <= this.last; index++) {
          operations.push({ type: 'del', sublevel: this.database.log, key: logKey(index) });
        }
      }
      await this.database.write(operations, options.sync ?? true);
      this.snapshotMetadata = metadata;
      if (!keepsLog) {
        this.first = metadata.index + 1;
        this.last = metadata.index;
      }
      await removeSnapshotFilesExcept(this.database.dataDir, metadata);
    });
  }

  private assertNewerSnapshot(metadata: SnapshotMetadata): void {
    const current = this.snapshotMetadata;
    if (current !== null && metadata.index <= current.index) {
      throw new StorageError(
        'ErrSnapshotOutOfDate',
        `snapshot at ${metadata.index} is not newer than the held snapshot at ${current.index}`,
      );
    }
  }

  private async logMatches(metadata: SnapshotMetadata): Promise<boolean> {
    if (metadata.index < this.first || metadata.index > this.last) return false;
    const [entry] = await this.readRange(metadata.index, metadata.index + 1);
    return entry !== undefined && entry.term === metadata.term;
  }

  /** Deletes every entry ≤ `index`; only entries covered by the durable snapshot may go. */
  async compact(index: LogIndex, options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    return this.queue.run(async () => {
      const covered = this.snapshotMetadata?.index ?? 0;
      if (index > covered) {
        throw new StorageError(
          'ErrCompactBeyondSnapshot',
          `cannot compact to ${index}: the newest snapshot covers only ${covered}`,
        );
      }
      const upTo = Math.min(index, this.last);
      const operations: BatchOperation[] = [];
      for (let i = this.first; i <= upTo; i++) {
        operations.push({ type: 'del', sublevel: this.database.log, key: logKey(i) });
      }
      await this.database.write(operations, options.sync ?? true);
      this.first = Math.max(this.first, index + 1);
      if (this.first > this.last + 1) this.last = this.first - 1;
    });
  }

  /**
   * FAULT INJECTION ONLY (the harness's "truncate the log tail" file fault on
   * a stopped node): deletes every entry ≥ `index`, synced, even committed
   * ones. Entries covered by the snapshot cannot be dropped.
   */
  async dropEntriesFrom(index: LogIndex): Promise<number> {
    this.assertOpen();
    return this.queue.run(async () => {
      const floor = this.snapshotMetadata?.index ?? 0;
      if (index <= floor)
        throw new StorageError('ErrCompacted', `cannot drop from ${index}: entries up to ${floor} are in the snapshot`);
      const from = Math.max(index, this.first);
      const operations: BatchOperation[] = [];
      for (let i = from; i <= this.last; i++)
        operations.push({ type: 'del', sublevel: this.database.log, key: logKey(i) });
      await this.database.write(operations, true);
      if (operations.length > 0) this.last = from - 1;
      return operations.length;
    });
  }

  /** Marks the store closed; the node database is closed by its owner. */
  async close(): Promise<void> {
    await this.queue.run(async () => {
      this.closed = true;
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('ErrClosed', 'the log store is closed');
  }
}
