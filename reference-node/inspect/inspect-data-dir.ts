/**
 * The offline inspection of a stopped node (`ekv-admin inspect`): the
 * sidecar, the Raft hard state and membership, the FSM metadata, the newest
 * snapshot, every Raft log entry, every MVCC version and raw row of the
 * store, then the MVCC versions and raw rows inside the snapshot file, and a
 * summary line last. The harness's encryption checkers read these lines
 * instead of node internals; a grep of the data dir cannot replace them,
 * because LevelDB compresses blocks and can hide a compressible plaintext.
 */
import { Keystore, hydrateKeystore, loadKekFile, type Sidecar } from '../encryption/index.js';
import { readSnapshotHeader, readSnapshotPayload, type SnapshotPayloadView } from '../kv/index.js';
import { asLogIndex } from '../raft/types.js';
import { LogStore, readSnapshotFile, StateStore, type NodeDatabase } from '../storage/index.js';
import { describeRaftEntry, type RaftEntryContext } from './describe-raft-entry.js';
import { describeMvccRow, describeRawRow } from './describe-store-row.js';
import { InspectError } from './inspect-error.js';
import type {
  InspectRecord,
  MvccRecord,
  RawRecord,
  RegistryRecord,
  SnapshotRecord,
  SummaryRecord,
} from '../proto/inspect-records.js';
import { loadSidecar } from './load-sidecar.js';
import { openOfflineDatabase } from './open-offline-database.js';

/** What to inspect. */
export interface InspectOptions {
  /** The node's `--data-dir`. */
  readonly dataDir: string;
  /** The node's sidecar; default: the first of `sidecarCandidates(dataDir)` that exists. */
  readonly sidecarPath?: string;
  /** The cluster KEK: wrapped raft payloads are opened to show their opcode (values are never decrypted). */
  readonly kekFile?: string;
  /** Print the bytes of cleartext MVCC values. */
  readonly values?: boolean;
}

/** Receives each line in order (may return a promise to apply backpressure). */
export type InspectSink = (record: InspectRecord) => void | Promise<void>;

/** Entries read per log range request (bounds memory on long logs). */
const LOG_ENTRIES_PER_READ = 256;

interface Totals {
  raftEntries: number;
  wrappedEntries: number;
  cleartextProposalsAboveCutover: number;
  mvccRecords: number;
  encryptedRecords: number;
  cleartextRecords: number;
  tombstones: number;
  snapshotMvccRecords: number;
  registryRows: number;
  otherRawRows: number;
  errors: number;
}

async function keystoreFor(kekFile: string | undefined, sidecar: Sidecar | null): Promise<Keystore | null> {
  if (kekFile === undefined) return null;
  if (sidecar === null)
    throw new InspectError(
      'ErrInspectKekWithoutSidecar',
      `--kek-file needs the node's sidecar (pass --sidecar PATH) to know the wrapped DEKs`,
    );
  const kek = await loadKekFile(kekFile);
  const keystore = new Keystore();
  try {
    hydrateKeystore(sidecar, kek, keystore);
  } catch (error) {
    throw new InspectError(
      'ErrInspectKekMismatch',
      `--kek-file ${kekFile} does not unwrap the sidecar's DEKs (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  return keystore;
}

/** Reads the newest snapshot file; a missing or corrupt file is reported on its line, not thrown. */
async function describeSnapshot(
  database: NodeDatabase,
  log: LogStore,
): Promise<{ record: SnapshotRecord; payload: SnapshotPayloadView | null }> {
  const metadata = log.snapshotMetadataOrNull();
  if (metadata === null) return { record: { kind: 'snapshot', present: false }, payload: null };
  const base = {
    kind: 'snapshot' as const,
    present: true as const,
    index: metadata.index,
    term: metadata.term,
    voters: [...metadata.confState.voters],
    learners: [...metadata.confState.learners],
  };
  try {
    const data = await readSnapshotFile(database.dataDir, metadata.term, metadata.index);
    const header = readSnapshotHeader(data);
    const payload = readSnapshotPayload(data.subarray(header.payloadOffset));
    const record: SnapshotRecord = {
      ...base,
      header: { format: header.format, ceilingMs: header.ceilingMs, cutoverIndex: header.cutoverIndex },
      dataBytes: data.length,
      appliedIndex: payload.appliedIndex,
      mvccRows: payload.mvccRowCount,
      rawRows: payload.rawRowCount,
    };
    return { record, payload };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      record: {
        ...base,
        header: null,
        dataBytes: null,
        appliedIndex: null,
        mvccRows: null,
        rawRows: null,
        error: message,
      },
      payload: null,
    };
  }
}

function countMvcc(totals: Totals, record: MvccRecord): void {
  if (record.error !== undefined) totals.errors++;
  if (record.source === 'snapshot') {
    totals.snapshotMvccRecords++;
    return;
  }
  totals.mvccRecords++;
  if (record.tombstone) totals.tombstones++;
  else if (record.encryptionState === 'envelope') totals.encryptedRecords++;
  else totals.cleartextRecords++;
}

function countRaw(totals: Totals, record: RegistryRecord | RawRecord): void {
  if (record.kind === 'registry') {
    if (record.source === 'store') totals.registryRows++;
    return;
  }
  if (record.error !== undefined) totals.errors++;
  if (record.source === 'store') totals.otherRawRows++;
}

async function emitLog(log: LogStore, context: RaftEntryContext, totals: Totals, emit: InspectSink): Promise<void> {
  const last = log.lastIndex();
  for (let lo: number = log.firstIndex(); lo <= last; lo += LOG_ENTRIES_PER_READ) {
    const hi = Math.min(lo + LOG_ENTRIES_PER_READ, last + 1);
    for (const entry of await log.entries(asLogIndex(lo), asLogIndex(hi))) {
      const record = describeRaftEntry(entry, context);
      totals.raftEntries++;
      if (record.wrapped) totals.wrappedEntries++;
      if (record.aboveCutover === true && record.proposalId !== null && !record.wrapped)
        totals.cleartextProposalsAboveCutover++;
      if (record.unwrapped === false) totals.errors++;
      await emit(record);
    }
  }
}

async function emitStore(database: NodeDatabase, values: boolean, totals: Totals, emit: InspectSink): Promise<void> {
  for await (const [key, value] of database.mvcc.iterator()) {
    const record = describeMvccRow(key, value, { source: 'store', values });
    countMvcc(totals, record);
    await emit(record);
  }
  for await (const [key, value] of database.raw.iterator()) {
    const record = describeRawRow(key, value, 'store');
    countRaw(totals, record);
    await emit(record);
  }
}

async function emitSnapshotRows(
  payload: SnapshotPayloadView,
  values: boolean,
  totals: Totals,
  emit: InspectSink,
): Promise<void> {
  for (const [key, value] of payload.mvccRows) {
    const record = describeMvccRow(key, value, { source: 'snapshot', values });
    countMvcc(totals, record);
    await emit(record);
  }
  for (const [key, value] of payload.rawRows) {
    const record = describeRawRow(key, value, 'snapshot');
    countRaw(totals, record);
    await emit(record);
  }
}

/** Emits every line of the inspection (see the module comment) and resolves with the summary line. */
export async function inspectDataDir(options: InspectOptions, emit: InspectSink): Promise<SummaryRecord> {
  const sidecar = await loadSidecar(options.dataDir, options.sidecarPath);
  const keystore = await keystoreFor(options.kekFile, sidecar.sidecar);
  const database = await openOfflineDatabase(options.dataDir);
  try {
    await emit(sidecar.record);
    const log = await LogStore.open(database);
    const { hardState, confState } = await log.readRaftMetadata();
    await emit({
      kind: 'hard-state',
      present: hardState !== null,
      term: hardState?.term ?? null,
      vote: hardState?.vote ?? null,
      commit: hardState?.commit ?? null,
    });
    await emit({
      kind: 'conf-state',
      present: confState !== null,
      voters: [...(confState?.voters ?? [])],
      learners: [...(confState?.learners ?? [])],
    });
    const state = await StateStore.open(database);
    await emit({ kind: 'fsm', appliedIndex: state.appliedIndex(), maxCommitTs: state.maxCommitTs().toString() });
    const snapshot = await describeSnapshot(database, log);
    await emit(snapshot.record);
    const snapshotCutover =
      snapshot.record.present && snapshot.record.header !== null ? snapshot.record.header.cutoverIndex : null;
    const raftCutoverIndex = sidecar.sidecar?.raftEnvelopeCutoverIndex ?? snapshotCutover;
    const raftKeyIds =
      sidecar.sidecar === null
        ? null
        : new Set([...sidecar.sidecar.keys].filter(([, key]) => key.purpose === 'raft').map(([id]) => id));
    const totals: Totals = {
      raftEntries: 0,
      wrappedEntries: 0,
      cleartextProposalsAboveCutover: 0,
      mvccRecords: 0,
      encryptedRecords: 0,
      cleartextRecords: 0,
      tombstones: 0,
      snapshotMvccRecords: 0,
      registryRows: 0,
      otherRawRows: 0,
      errors: snapshot.record.present && snapshot.record.error !== undefined ? 1 : 0,
    };
    await emitLog(log, { raftKeyIds, cutoverIndex: raftCutoverIndex, keystore }, totals, emit);
    await emitStore(database, options.values === true, totals, emit);
    if (snapshot.payload !== null) await emitSnapshotRows(snapshot.payload, options.values === true, totals, emit);
    const summary: SummaryRecord = {
      kind: 'summary',
      ...totals,
      firstIndex: log.firstIndex(),
      lastIndex: log.lastIndex(),
      raftCutoverIndex,
    };
    await emit(summary);
    return summary;
  } finally {
    await database.close();
  }
}
