/**
 * The FSM's durable state: the MVCC store (spec §2.1), the raw rows outside
 * the MVCC namespace (writer registry, spec §3.1), and the FSM metadata (the
 * applied index and the highest applied commit timestamp).
 *
 * Every FSM write goes through {@link StateStore.commit}, which writes the
 * entry's mutations and the new applied index in ONE atomic batch: after a
 * crash either both are there or neither, so replay never applies an entry
 * twice and never skips one.
 */
import { asLogIndex } from '../raft/types.js';
import type { LogIndex } from '../raft/types.js';
import type { BatchOperation, BinarySublevel, NodeDatabase } from './node-database.js';
import {
  asPlainBytes,
  concatBytes,
  encodeIndexBE,
  encodeUint64BE,
  hasPrefix,
  readIndexBE,
  readUint64BE,
} from './bytes.js';
import { hlcPhysicalMs } from './hlc-timestamp.js';
import { decodeMvccKey, encodeMvccKey, mvccKeyUpperBound, MVCC_TIMESTAMP_BYTES } from './mvcc-key.js';
import { SerialQueue } from './serial-queue.js';
import { cleartextValueCodec, type ValueCodec } from './value-codec.js';
import { decodeValueHeader, encodeValueHeader, VALUE_HEADER_BYTES, type EncryptionState } from './value-header.js';

const textEncoder = new TextEncoder();
const APPLIED_INDEX_KEY = textEncoder.encode('appliedIndex');
const MAX_COMMIT_TS_KEY = textEncoder.encode('maxCommitTs');

/** One write of an FSM apply. */
export type StateMutation =
  | {
      readonly kind: 'version';
      readonly userKey: Uint8Array;
      readonly commitTs: bigint;
      readonly tombstone: boolean;
      /** HLC ms; 0n = no expiry. */
      readonly expireAtMs: bigint;
      /** Plaintext body (empty for tombstones). */
      readonly value: Uint8Array;
    }
  | { readonly kind: 'raw'; readonly key: Uint8Array; readonly value: Uint8Array | null };

/** One decoded MVCC version. */
export interface StoredVersion {
  readonly userKey: Uint8Array;
  readonly commitTs: bigint;
  readonly tombstone: boolean;
  readonly expireAtMs: bigint;
  readonly encryptionState: EncryptionState;
  /** Plaintext (after the value codec). */
  readonly value: Uint8Array;
}

/** Everything a snapshot carries of the store, byte for byte (encrypted bodies stay encrypted). */
export interface StateContents {
  /** [mvcc key, stored value] in key order. */
  readonly mvccRows: readonly (readonly [Uint8Array, Uint8Array])[];
  /** [raw key, value] in key order. */
  readonly rawRows: readonly (readonly [Uint8Array, Uint8Array])[];
  readonly appliedIndex: LogIndex;
  readonly maxCommitTs: bigint;
}

/** One row of a store section: [key, stored value]. */
export type StateRow = readonly [Uint8Array, Uint8Array];

/**
 * A whole store to install (a snapshot): the rows of each section in key
 * order, each iterable more than once (arrays, or views into a snapshot
 * payload), so the store can validate before it writes. {@link StateContents}
 * is one.
 */
export interface StateImport {
  readonly mvccRows: Iterable<StateRow>;
  readonly rawRows: Iterable<StateRow>;
  readonly appliedIndex: LogIndex;
  readonly maxCommitTs: bigint;
}

/**
 * The store as {@link StateStore.exportTo} hands it to a snapshot writer:
 * the metadata and the rows of each section in key order, read in batches
 * from the database, so no array of every row is ever built.
 */
export interface StateExport {
  readonly appliedIndex: LogIndex;
  readonly maxCommitTs: bigint;
  /** The MVCC rows in batches of at most {@link STATE_EXPORT_BATCH_ROWS}. */
  mvccRowBatches(): AsyncIterable<readonly StateRow[]>;
  /** The raw rows in batches of at most {@link STATE_EXPORT_BATCH_ROWS}. */
  rawRowBatches(): AsyncIterable<readonly StateRow[]>;
}

/** Rows read from the database per step of an export or of an install's delete pass. */
export const STATE_EXPORT_BATCH_ROWS = 1024;

async function* rowBatches(sublevel: BinarySublevel): AsyncGenerator<readonly StateRow[]> {
  const iterator = sublevel.iterator();
  try {
    for (;;) {
      const rows = await iterator.nextv(STATE_EXPORT_BATCH_ROWS);
      if (rows.length === 0) return;
      yield rows;
    }
  } finally {
    await iterator.close();
  }
}

async function* keyBatches(sublevel: BinarySublevel): AsyncGenerator<readonly Uint8Array[]> {
  const iterator = sublevel.keys();
  try {
    for (;;) {
      const keys = await iterator.nextv(STATE_EXPORT_BATCH_ROWS);
      if (keys.length === 0) return;
      yield keys;
    }
  } finally {
    await iterator.close();
  }
}

/**
 * The body codecs of the two write paths (spec §2.4): FSM-apply writes are
 * never gated on writer registration; direct (self-originated, non-Raft)
 * writes are. Reads decode with the apply codec.
 */
export interface ValueCodecs {
  readonly apply: ValueCodec;
  readonly direct: ValueCodec;
}

/** Options of {@link StateStore.open}. */
export interface StateStoreOptions {
  /** Body transform seams for the encryption layer (default: cleartext for both paths). */
  readonly codecs?: ValueCodecs;
}

/** True when the version is a live value at `readTs` (not a tombstone, not expired). */
export function isVisibleAt(version: Pick<StoredVersion, 'tombstone' | 'expireAtMs'>, readTs: bigint): boolean {
  if (version.tombstone) return false;
  return version.expireAtMs === 0n || version.expireAtMs > hlcPhysicalMs(readTs);
}

/** The FSM's durable state on the node database. */
export class StateStore {
  private readonly queue = new SerialQueue();
  private applied: LogIndex = asLogIndex(0);
  private highestCommitTs = 0n;
  private codecs: ValueCodecs;

  private constructor(
    private readonly database: NodeDatabase,
    codecs: ValueCodecs,
  ) {
    this.codecs = codecs;
  }

  /** Opens the state store and reads the durable applied index. */
  static async open(database: NodeDatabase, options: StateStoreOptions = {}): Promise<StateStore> {
    const store = new StateStore(
      database,
      options.codecs ?? { apply: cleartextValueCodec, direct: cleartextValueCodec },
    );
    const applied = await database.fsmMeta.get(APPLIED_INDEX_KEY);
    const maxTs = await database.fsmMeta.get(MAX_COMMIT_TS_KEY);
    store.applied = asLogIndex(applied === undefined ? 0 : readIndexBE(applied, 0));
    store.highestCommitTs = maxTs === undefined ? 0n : readUint64BE(maxTs, 0);
    return store;
  }

  /** Replaces the body codecs (the encryption layer installs its own at startup, before replay). */
  setValueCodecs(codecs: ValueCodecs): void {
    this.codecs = codecs;
  }

  /** The durable applied index (the last entry whose effects are in the store). */
  appliedIndex(): LogIndex {
    return this.applied;
  }

  /** The highest commit timestamp any applied write used (durable with the writes). */
  maxCommitTs(): bigint {
    return this.highestCommitTs;
  }

  /**
   * The newest version of `userKey` with commit_ts ≤ `readTs`, tombstones
   * included, or null. Rows of other keys that share the prefix are skipped.
   */
  async latestVersion(userKey: Uint8Array, readTs: bigint): Promise<StoredVersion | null> {
    const iterator = this.database.mvcc.iterator({
      gte: encodeMvccKey(userKey, readTs),
      lte: mvccKeyUpperBound(userKey),
    });
    try {
      for await (const [key, value] of iterator) {
        if (key.length !== userKey.length + MVCC_TIMESTAMP_BYTES || !hasPrefix(key, userKey)) continue;
        return this.decodeVersion(asPlainBytes(key), asPlainBytes(value));
      }
      return null;
    } finally {
      await iterator.close();
    }
  }

  /** The live value of `userKey` at `readTs` (tombstones and TTL honoured), or null. */
  async get(userKey: Uint8Array, readTs: bigint): Promise<Uint8Array | null> {
    const version = await this.latestVersion(userKey, readTs);
    return version !== null && isVisibleAt(version, readTs) ? version.value : null;
  }

  /** Every version of `userKey`, newest first (for tests and inspection tools). */
  async versions(userKey: Uint8Array): Promise<StoredVersion[]> {
    const rows = await this.database.mvcc
      .iterator({ gte: encodeMvccKey(userKey, (1n << 64n) - 1n), lte: mvccKeyUpperBound(userKey) })
      .all();
    return rows
      .filter(([key]) => key.length === userKey.length + MVCC_TIMESTAMP_BYTES && hasPrefix(key, userKey))
      .map(([key, value]) => this.decodeVersion(asPlainBytes(key), asPlainBytes(value)));
  }

  private decodeVersion(mvccKey: Uint8Array, stored: Uint8Array): StoredVersion {
    const header = decodeValueHeader(stored);
    const body = stored.subarray(VALUE_HEADER_BYTES);
    // The codec runs before the tombstone/TTL checks (spec §2.5 step 5).
    const value = this.codecs.apply.decodeBody({ mvccKey, header, body });
    const { userKey, commitTs } = decodeMvccKey(mvccKey);
    return {
      userKey,
      commitTs,
      tombstone: header.tombstone,
      expireAtMs: header.expireAtMs,
      encryptionState: header.encryptionState,
      value: value.slice(),
    };
  }

  /** A raw (non-MVCC) row, or null. */
  async getRaw(key: Uint8Array): Promise<Uint8Array | null> {
    const value = await this.database.raw.get(key);
    return value === undefined ? null : asPlainBytes(value);
  }

  /** Every raw row whose key starts with `prefix`, in key order. */
  async scanRaw(prefix: Uint8Array): Promise<(readonly [Uint8Array, Uint8Array])[]> {
    const rows = await this.database.raw.iterator({ gte: prefix }).all();
    const matching: (readonly [Uint8Array, Uint8Array])[] = [];
    for (const [key, value] of rows) {
      if (!hasPrefix(key, prefix)) break;
      matching.push([asPlainBytes(key), asPlainBytes(value)]);
    }
    return matching;
  }

  /** Writes a raw row on the direct (non-FSM) path, synced. */
  async putRaw(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.commit([{ kind: 'raw', key, value }], { sync: true });
  }

  /**
   * Writes MVCC versions on the direct (non-Raft) path, synced, encoding
   * bodies with the direct codec (which may refuse, e.g. an unregistered
   * writer, before anything is written). The applied index is untouched.
   */
  async writeDirect(mutations: readonly StateMutation[]): Promise<void> {
    return this.commit(mutations, { sync: true, path: 'direct' });
  }

  /**
   * Commits an FSM apply's mutations atomically, with the new applied index
   * when given (it must not go backwards). `sync` defaults to true; the apply
   * pipeline may pass false for KV entries because the synced Raft log
   * replays them after a crash.
   */
  async commit(
    mutations: readonly StateMutation[],
    options: { readonly appliedIndex?: LogIndex; readonly sync?: boolean; readonly path?: 'apply' | 'direct' } = {},
  ): Promise<void> {
    const codec = options.path === 'direct' ? this.codecs.direct : this.codecs.apply;
    return this.queue.run(async () => {
      const operations: BatchOperation[] = [];
      let maxTs = this.highestCommitTs;
      for (const mutation of mutations) {
        if (mutation.kind === 'raw') {
          operations.push(
            mutation.value === null
              ? { type: 'del', sublevel: this.database.raw, key: mutation.key }
              : { type: 'put', sublevel: this.database.raw, key: mutation.key, value: mutation.value },
          );
          continue;
        }
        operations.push({
          type: 'put',
          sublevel: this.database.mvcc,
          key: encodeMvccKey(mutation.userKey, mutation.commitTs),
          value: this.encodeVersion(mutation, codec),
        });
        if (mutation.commitTs > maxTs) maxTs = mutation.commitTs;
      }
      if (maxTs !== this.highestCommitTs) {
        operations.push({
          type: 'put',
          sublevel: this.database.fsmMeta,
          key: MAX_COMMIT_TS_KEY,
          value: encodeUint64BE(maxTs),
        });
      }
      const newApplied = options.appliedIndex;
      if (newApplied !== undefined) {
        if (newApplied < this.applied) {
          throw new Error(`assertion failed: applied index would go back from ${this.applied} to ${newApplied}`);
        }
        operations.push({
          type: 'put',
          sublevel: this.database.fsmMeta,
          key: APPLIED_INDEX_KEY,
          value: encodeIndexBE(newApplied),
        });
      }
      await this.database.write(operations, options.sync ?? true);
      this.highestCommitTs = maxTs;
      if (newApplied !== undefined) this.applied = newApplied;
    });
  }

  private encodeVersion(mutation: Extract<StateMutation, { kind: 'version' }>, codec: ValueCodec): Uint8Array {
    const mvccKey = encodeMvccKey(mutation.userKey, mutation.commitTs);
    if (mutation.tombstone) {
      // Tombstones are never encrypted: state 00, empty body (spec §2.1).
      return encodeValueHeader({ tombstone: true, encryptionState: 'cleartext', expireAtMs: mutation.expireAtMs });
    }
    const encoded = codec.encodeBody({ mvccKey, expireAtMs: mutation.expireAtMs, plaintext: mutation.value });
    const header = encodeValueHeader({
      tombstone: false,
      encryptionState: encoded.encryptionState,
      expireAtMs: mutation.expireAtMs,
    });
    return concatBytes(header, encoded.body);
  }

  /** Waits for every queued write to settle (call before closing the database). */
  async drain(): Promise<void> {
    await this.queue.run(async () => undefined);
  }

  /** Advances the applied index alone (entries with no store effect). */
  async setAppliedIndex(index: LogIndex, options: { readonly sync?: boolean } = {}): Promise<void> {
    if (index === this.applied) return;
    return this.commit([], { appliedIndex: index, sync: options.sync ?? false });
  }

  /**
   * Hands the whole store to `write` (a snapshot writer), rows streamed in
   * key order from the database. No write of this store runs until `write`
   * settles, so the rows and the metadata are of one applied index.
   */
  async exportTo<T>(write: (state: StateExport) => Promise<T>): Promise<T> {
    return this.queue.run(async () =>
      write({
        appliedIndex: this.applied,
        maxCommitTs: this.highestCommitTs,
        mvccRowBatches: () => rowBatches(this.database.mvcc),
        rawRowBatches: () => rowBatches(this.database.raw),
      }),
    );
  }

  /** Reads every row of the store into memory (stored bytes, not plaintext); snapshots use {@link exportTo}. */
  async exportContents(): Promise<StateContents> {
    return this.exportTo(async (state) => {
      const collect = async (batches: AsyncIterable<readonly StateRow[]>): Promise<StateRow[]> => {
        const rows: StateRow[] = [];
        for await (const batch of batches)
          for (const [key, value] of batch) rows.push([asPlainBytes(key), asPlainBytes(value)]);
        return rows;
      };
      const mvccRows = await collect(state.mvccRowBatches());
      const rawRows = await collect(state.rawRowBatches());
      return { mvccRows, rawRows, appliedIndex: state.appliedIndex, maxCommitTs: state.maxCommitTs };
    });
  }

  /**
   * Replaces the whole store with `contents` in one synced atomic batch (a
   * snapshot install): old rows are deleted, new rows and metadata written.
   * Each stored value's header is validated first, so a snapshot carrying a
   * reserved enc_state is refused before anything changes. The batch is
   * filled row by row (LevelDB holds it), never as one array of operations.
   */
  async replaceContents(contents: StateImport): Promise<void> {
    for (const [, value] of contents.mvccRows) decodeValueHeader(value);
    return this.queue.run(async () => {
      const batch = this.database.startBatch();
      try {
        for (const sublevel of [this.database.mvcc, this.database.raw]) {
          for await (const keys of keyBatches(sublevel)) for (const key of keys) batch.del(sublevel, key);
        }
        for (const [key, value] of contents.mvccRows) batch.put(this.database.mvcc, key, value);
        for (const [key, value] of contents.rawRows) batch.put(this.database.raw, key, value);
        batch.put(this.database.fsmMeta, APPLIED_INDEX_KEY, encodeIndexBE(contents.appliedIndex));
        batch.put(this.database.fsmMeta, MAX_COMMIT_TS_KEY, encodeUint64BE(contents.maxCommitTs));
        await batch.write(true);
      } finally {
        await batch.close();
      }
      this.applied = contents.appliedIndex;
      this.highestCommitTs = contents.maxCommitTs;
    });
  }
}
