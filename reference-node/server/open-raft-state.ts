/**
 * Startup step 5 (spec §8.1): recover the state machine from the newest
 * snapshot of the loaded log, and rebuild the Raft core's memory image of it.
 * The log is loaded by the caller first, so that step 1 can compare the
 * newest snapshot's cutover with the sidecar before the epoch bump.
 * The RawNode starts with `applied` = the snapshot index, so it hands out
 * every committed entry after the snapshot again: the pipeline skips
 * data-mutating duplicates at or below the FSM's durable applied index and
 * re-applies lease entries, and conf changes are re-applied to the
 * membership of the snapshot (their application is total and idempotent).
 * A fresh node with `--peers` is bootstrapped (one committed addVoter entry
 * per initial voter, carrying its address); a `--join` node starts empty.
 */
import { bootstrap, MemoryStorage } from '../raft/index.js';
import { asLogIndex, asNodeId, type ConfState, type HardState } from '../raft/types.js';
import { readSnapshotHeader, readSnapshotPayload, recoverFromSnapshot, type StateMachine } from '../kv/index.js';
import type { LoadedLog, LogStore } from '../storage/index.js';
import { decodeAddressBook, type AddressBook } from './address-book.js';
import { encodeConfChangeContext } from './conf-change-context.js';
import type { Logger } from './logger.js';
import type { NodeConfig } from './node-config.js';

/** What the Raft core starts from. */
export interface RaftStartState {
  readonly storage: MemoryStorage;
  readonly applied: number;
  readonly confState: ConfState;
  /**
   * The durable commit index: the replay (RaftLoop.replayCommitted) applies
   * every committed entry up to it before the after-replay checks and serving.
   */
  readonly commitIndex: number;
}

/** The raft cutover index in the header of the newest snapshot on disk (0: none, or a v1/legacy header). */
export function newestSnapshotCutoverIndex(loaded: LoadedLog): number {
  return loaded.snapshot === null ? 0 : readSnapshotHeader(loaded.snapshot.data).cutoverIndex;
}

/** Recovers the FSM from the loaded log's snapshot and seeds a MemoryStorage. */
export async function openRaftState(
  config: NodeConfig,
  logStore: LogStore,
  loaded: LoadedLog,
  fsm: StateMachine,
  addressBook: AddressBook,
  logger: Logger,
): Promise<RaftStartState> {
  const storage = new MemoryStorage();
  const fresh = loaded.hardState === null && loaded.snapshot === null && loaded.entries.length === 0;
  if (fresh) {
    if (config.join) {
      logger.info('fresh node started with --join: waiting to be added by the leader');
      return { storage, applied: 0, confState: { voters: [], learners: [] }, commitIndex: 0 };
    }
    const seeded = bootstrap(storage, [...config.peers.keys()].map(asNodeId), (id) =>
      encodeConfChangeContext({ address: config.peers.get(id) ?? '', requestId: '' }),
    );
    await logStore.append(seeded.entries, seeded.hardState, { sync: true });
    logger.info({ voters: seeded.confState.voters }, 'bootstrapped a new cluster');
    return { storage, applied: 0, confState: { voters: [], learners: [] }, commitIndex: seeded.hardState.commit };
  }
  const recovery = await recoverFromSnapshot(fsm, loaded.snapshot);
  let snapshotIndex = 0;
  if (loaded.snapshot !== null) {
    storage.applySnapshot(loaded.snapshot);
    snapshotIndex = loaded.snapshot.metadata.index;
    if (recovery?.restored === true)
      logger.info({ index: snapshotIndex }, 'state machine restored from the newest snapshot');
    // The snapshot's application blob carries the address book as of the snapshot.
    addressBook.merge(decodeAddressBook(snapshotAppBlob(loaded.snapshot.data)));
  }
  storage.append(loaded.entries);
  // The loop writes no hard state for a commit index alone (RaftLoop.persist), so the durable commit
  // may lag what the FSM applied; every applied entry is committed and in the synced log.
  const appliedInLog = Math.min(fsm.appliedIndex(), storage.lastIndex());
  if (loaded.hardState !== null)
    storage.setHardState(commitAtLeast(loaded.hardState, Math.max(snapshotIndex, appliedInLog)));
  else if (snapshotIndex > 0)
    storage.setHardState({ term: loaded.snapshot!.metadata.term, vote: null, commit: asLogIndex(snapshotIndex) });
  const { confState, hardState } = storage.initialState();
  logger.info(
    { snapshotIndex, entries: loaded.entries.length, commit: hardState.commit, fsmApplied: fsm.appliedIndex() },
    'log loaded; replaying committed entries after the snapshot',
  );
  return { storage, applied: snapshotIndex, confState, commitIndex: hardState.commit };
}

/**
 * A snapshot is always of committed state; a crash between saving an
 * installed snapshot and persisting the hard state of the same Ready could
 * leave the commit index behind it.
 */
function commitAtLeast(hardState: HardState, index: number): HardState {
  return hardState.commit >= index ? hardState : { ...hardState, commit: asLogIndex(index) };
}

function snapshotAppBlob(data: Uint8Array): Uint8Array {
  const header = readSnapshotHeader(data);
  // Validates in place: no copy of every row just to read the blob.
  return readSnapshotPayload(data.subarray(header.payloadOffset)).applicationBlob;
}
