/**
 * The one startup step between loading the log and replaying it: if the
 * newest durable snapshot is ahead of the FSM's durable applied index (a
 * crash between saving an installed snapshot and restoring the store, or a
 * store lost under an intact log), the FSM is restored from it first.
 */
import type { Snapshot } from '../raft/types.js';
import type { RestoredSnapshot, StateMachine } from './state-machine.js';

/** Restores `fsm` from `snapshot` when the snapshot is ahead of it; returns what was restored, or null. */
export async function recoverFromSnapshot(fsm: StateMachine, snapshot: Snapshot | null): Promise<RestoredSnapshot | null> {
  if (snapshot === null || snapshot.metadata.index <= fsm.appliedIndex()) return null;
  return fsm.restore(snapshot.data);
}
