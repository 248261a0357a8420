/**
 * The one LevelDB database of a node (`<dataDir>/db`) and its sublevels.
 *
 * Every durable structure of the node lives here so that a single atomic
 * batch can span several of them: an FSM apply writes its MVCC rows and the
 * applied index together; a snapshot install replaces MVCC rows, raw rows and
 * the applied index together.
 */
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { AbstractBatchOptions, AbstractLevel, AbstractSublevel } from 'abstract-level';

/** Any abstract-level database with binary keys and values (classic-level, or memory-level in tests). */
export type BinaryLevel = AbstractLevel<Buffer | Uint8Array | string, Uint8Array, Uint8Array>;
/** A binary sublevel of {@link BinaryLevel}. */
export type BinarySublevel = AbstractSublevel<BinaryLevel, Buffer | Uint8Array | string, Uint8Array, Uint8Array>;

/** One write of an atomic cross-sublevel batch. */
export type BatchOperation =
  | { readonly type: 'put'; readonly sublevel: BinarySublevel; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly sublevel: BinarySublevel; readonly key: Uint8Array };

/** Options of {@link openNodeDatabase}. */
export interface OpenNodeDatabaseOptions {
  /**
   * Builds the underlying database (tests pass a memory-level factory). The
   * default opens classic-level at `<dataDir>/db` with binary encodings.
   */
  readonly createLevel?: (location: string) => BinaryLevel;
}

/** How many atomic writes a database committed, by durability (for status and benchmarks). */
export interface WriteCounts {
  synced: number;
  unsynced: number;
}

/** The node's database: the root level plus one sublevel per concern. */
export class NodeDatabase {
  /** Atomic writes committed so far (array and chained batches alike). */
  readonly writeCounts: WriteCounts = { synced: 0, unsynced: 0 };
  /** Raft log entries keyed by BE64 index. */
  readonly log: BinarySublevel;
  /** Raft metadata: hard state, conf state, newest snapshot metadata. */
  readonly raftMeta: BinarySublevel;
  /** MVCC rows: `user_key ‖ BE64(^commit_ts)` → 9-byte header ‖ body (spec §2.1). */
  readonly mvcc: BinarySublevel;
  /** Raw rows outside the MVCC namespace (writer registry, spec §3.1). */
  readonly raw: BinarySublevel;
  /** FSM metadata: the applied index and the highest applied commit timestamp. */
  readonly fsmMeta: BinarySublevel;

  private constructor(
    readonly root: BinaryLevel,
    readonly dataDir: string,
  ) {
    const sub = (name: string): BinarySublevel =>
      root.sublevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' });
    this.log = sub('log');
    this.raftMeta = sub('raft');
    this.mvcc = sub('mvcc');
    this.raw = sub('raw');
    this.fsmMeta = sub('fsm');
  }

  /** Opens (creating if needed) the database under `dataDir`. */
  static async open(dataDir: string, options: OpenNodeDatabaseOptions = {}): Promise<NodeDatabase> {
    const location = path.join(dataDir, 'db');
    const level = options.createLevel
      ? options.createLevel(location)
      : (new ClassicLevel<Uint8Array, Uint8Array>(location, {
          keyEncoding: 'view',
          valueEncoding: 'view',
        }) as unknown as BinaryLevel);
    await level.open();
    return new NodeDatabase(level, dataDir);
  }

  /**
   * Commits `operations` atomically. `sync: true` makes the batch durable
   * (fsync of the LevelDB log) before the promise resolves.
   */
  async write(operations: readonly BatchOperation[], sync: boolean): Promise<void> {
    if (operations.length === 0) return;
    // abstract-level's option type does not list classic-level's `sync`, which
    // the implementation passes through to LevelDB's WriteOptions.
    const batchOptions = { sync } as unknown as AbstractBatchOptions<Uint8Array, Uint8Array>;
    await this.root.batch(operations as never[], batchOptions);
    countWrite(this.writeCounts, sync);
  }

  /**
   * Starts an atomic batch filled one operation at a time, for a write too
   * large to list as one array (a snapshot install of millions of rows): the
   * operations accumulate in LevelDB's own write batch, not in JS objects.
   */
  startBatch(): NodeBatch {
    return new NodeBatch(this.root.batch(), this.writeCounts);
  }

  /** Closes the database (idempotent). */
  async close(): Promise<void> {
    if (this.root.status === 'open' || this.root.status === 'opening') {
      await this.root.close();
    }
  }
}

type ChainedBatch = ReturnType<BinaryLevel['batch']>;

/** An atomic batch of {@link NodeDatabase.startBatch}: `put`/`del` any number of times, then `write` once; always `close`. */
export class NodeBatch {
  constructor(
    private readonly batch: ChainedBatch,
    private readonly counts: WriteCounts,
  ) {}

  put(sublevel: BinarySublevel, key: Uint8Array, value: Uint8Array): void {
    this.batch.put(key, value, { sublevel });
  }

  del(sublevel: BinarySublevel, key: Uint8Array): void {
    this.batch.del(key, { sublevel });
  }

  /** Number of operations added so far. */
  get length(): number {
    return this.batch.length;
  }

  /** Commits every operation atomically; `sync: true` makes it durable before resolving. */
  async write(sync: boolean): Promise<void> {
    // As in NodeDatabase.write: classic-level passes `sync` through to LevelDB.
    const empty = this.batch.length === 0;
    await this.batch.write({ sync } as unknown as Parameters<ChainedBatch['write']>[0]);
    if (!empty) countWrite(this.counts, sync);
  }

  /** Releases the batch (idempotent; a no-op after `write`). */
  async close(): Promise<void> {
    await this.batch.close();
  }
}

function countWrite(counts: WriteCounts, sync: boolean): void {
  if (sync) counts.synced++;
  else counts.unsynced++;
}
