/**
 * The startup steps between loading the log and serving (the server calls
 * them in this order, after `NodeStorage.open` and `log.load()`):
 *
 * 1. {@link recoverFromSnapshot}: if the newest durable snapshot is ahead of
 *    the FSM's durable applied index (a crash between saving an installed
 *    snapshot and restoring the store), restore the FSM from it; otherwise
 *    only adopt its header (HLC ceiling, cutover for the §8 guard).
 * 2. {@link replayCommittedEntries}: feed every loaded entry up to the
 *    durable commit index through the pipeline. Data-mutating entries at or
 *    below the applied index (KV and encryption band) are skipped as
 *    duplicates, lease entries re-applied, and a halt reproduces at the same
 *    index.
 */
import type { Entry, LogIndex, Snapshot } from '../raft/types.js';
import { EntryType } from '../raft/types.js';
import type { ApplyPipeline, HaltState } from './apply-pipeline.js';
import type { SnapshotHeader } from './snapshot-header.js';
import type { StateMachine } from './state-machine.js';

/** What {@link recoverFromSnapshot} did. */
export interface SnapshotRecovery {
  /** True when the store was replaced by the snapshot. */
  readonly restored: boolean;
  readonly header: SnapshotHeader;
}

/** Restores or adopts the newest snapshot (see step 1 above); null without a snapshot. */
export async function recoverFromSnapshot(
  fsm: StateMachine,
  snapshot: Snapshot | null,
): Promise<SnapshotRecovery | null> {
  if (snapshot === null) return null;
  if (snapshot.metadata.index > fsm.appliedIndex()) {
    const restored = await fsm.restore(snapshot.data);
    return { restored: true, header: restored.header };
  }
  return { restored: false, header: await fsm.adoptSnapshotHeader(snapshot.data) };
}

/** Options of {@link replayCommittedEntries}. */
export interface ReplayOptions {
  readonly pipeline: ApplyPipeline;
  /** The loaded entries (after the snapshot), in index order. */
  readonly entries: readonly Entry[];
  /** The durable commit index (hard state); later entries are not replayed. */
  readonly commitIndex: LogIndex;
  /**
   * Applies a committed conf change above the applied index (the server owns
   * membership); the pipeline then advances the applied index over it.
   */
  readonly applyConfChange: (entry: Entry) => Promise<void>;
}

/** The result of a replay: where it stopped and whether it halted. */
export interface ReplayResult {
  readonly appliedIndex: LogIndex;
  readonly halt: HaltState | null;
}

/** Replays committed entries at start (see step 2 above). Stops at the first halt. */
export async function replayCommittedEntries(options: ReplayOptions): Promise<ReplayResult> {
  const { pipeline } = options;
  for (const entry of options.entries) {
    if (entry.index > options.commitIndex) break;
    if (entry.type === EntryType.ConfChange) {
      if (entry.index <= pipeline.appliedIndex()) continue;
      await options.applyConfChange(entry);
      await pipeline.advanceOver(entry.index);
      continue;
    }
    const outcome = await pipeline.applyNormalEntry(entry);
    if (outcome.kind === 'halted') return { appliedIndex: pipeline.appliedIndex(), halt: outcome.halt };
  }
  return { appliedIndex: pipeline.appliedIndex(), halt: null };
}
