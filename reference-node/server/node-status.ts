/** Builds the RaftAdmin Status answer (every field of raft_admin.proto). */
import type { HaltError } from '../kv/index.js';
import type { Member, SnapshotFormat, StatusResponse } from '../proto/index.js';
import type { RawNode } from '../raft/index.js';
import type { ConfState } from '../raft/types.js';
import type { WriteCounts } from '../storage/index.js';
import type { AddressBook } from './address-book.js';
import { fullNodeId } from './full-node-id.js';
import { haltErrorSpec } from './halt-error.js';
import { statusFlags, type NodeConfig } from './node-config.js';
import type { NodeClock } from './node-clock.js';
import type { RaftLoop } from './raft-loop.js';

/** What Status reads. */
export interface StatusSources {
  readonly config: NodeConfig;
  readonly rawNode: RawNode;
  readonly loop: RaftLoop;
  readonly addressBook: AddressBook;
  readonly appliedIndex: () => number;
  /** The error the apply pipeline halted with (null while applying). */
  readonly haltError: () => HaltError | null;
  readonly snapshotFormat: () => SnapshotFormat;
  /** Atomic LevelDB writes committed since the process started. */
  readonly writeCounts: Readonly<WriteCounts>;
  /** KV proposals made as leader and their summed time to apply. */
  readonly kvProposalTimes: Readonly<{ proposals: number; totalMs: number }>;
  /** Wall time (epoch ms) the process started at. */
  readonly startedAtMs: number;
  /** The clock `startedAtMs` was read from; the uptime runs to its wall time now. */
  readonly clock: NodeClock;
  readonly version: string;
}

function members(
  confState: ConfState,
  addressBook: AddressBook,
  progress: Readonly<Record<string, { readonly match: number }>>,
): Member[] {
  const list = [
    ...confState.voters.map((id) => ({ id, suffrage: 'voter' })),
    ...confState.learners.map((id) => ({ id, suffrage: 'learner' })),
  ];
  return list.map(({ id, suffrage }) => ({
    id,
    address: addressBook.get(id) ?? '',
    suffrage,
    matchIndex: progress[id]?.match ?? 0,
  }));
}

/** The current Status of the node (served even while halted). */
export function buildStatus(sources: StatusSources): StatusResponse {
  const { config, loop } = sources;
  const raft = sources.rawNode.status();
  const soft = loop.currentSoftState;
  const confState = loop.currentConfState;
  const isLearner = confState.learners.includes(raft.id);
  const halt = loop.halt;
  const haltError = sources.haltError();
  // The loop halts only on the pipeline's halt outcome (pipeline-port.ts), so the error is there.
  if (halt !== undefined && haltError === null)
    throw new Error(`assertion failed: the loop halted at ${halt.index} without a pipeline halt error`);
  const haltSpec = halt === undefined || haltError === null ? undefined : haltErrorSpec(haltError);
  const leader = soft.leader ?? '';
  return {
    id: config.id,
    fullNodeId: fullNodeId(config.id).toString(),
    role: isLearner ? 'learner' : soft.role,
    term: raft.term,
    leader,
    leaderAddress: leader === '' ? '' : (sources.addressBook.get(leader) ?? ''),
    commitIndex: raft.commit,
    appliedIndex: sources.appliedIndex(),
    lastIndex: raft.lastIndex,
    snapshotIndex: loop.snapshotIndex,
    halted: halt !== undefined,
    haltReason: halt?.reason ?? '',
    haltIndex: halt?.index ?? 0,
    stage: config.stage,
    bugs: [...config.bugs],
    flags: statusFlags(config),
    members: members(confState, sources.addressBook, raft.progress),
    version: sources.version,
    uptimeMs: Math.max(0, sources.clock.nowMs() - sources.startedAtMs),
    listenAddress: `${config.listen.host}:${config.listen.port}`,
    haltCode: haltSpec?.code ?? 0,
    haltError: haltSpec?.name ?? '',
    snapshotFormat: sources.snapshotFormat(),
    syncedWrites: sources.writeCounts.synced,
    unsyncedWrites: sources.writeCounts.unsynced,
    writeStages: {
      ...loop.stageTimes,
      kvProposals: sources.kvProposalTimes.proposals,
      kvProposalMs: sources.kvProposalTimes.totalMs,
    },
  };
}
