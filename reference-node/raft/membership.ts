/**
 * Applying committed membership changes and installing a leader's snapshot:
 * the two ways a node's configuration changes.
 */
import { applyConfChangeToConfState } from './conf-change.js';
import { assert } from './errors.js';
import type { Raft } from './raft.js';
import type { ConfChange, ConfState, NodeId, Snapshot } from './types.js';

/** Applies a committed conf change (called by the application) and returns the new configuration. */
export function applyConfChange(r: Raft, cc: ConfChange): ConfState {
  const cs = applyConfChangeToConfState(r.tracker.confState(), cc);
  r.tracker.applyConfState(cs, r.log.lastIndex());
  r.logInfo(
    `applied conf change ${cc.type} ${cc.nodeId}: voters [${cs.voters.join(',')}] learners [${cs.learners.join(',')}]`,
  );
  if (r.role !== 'leader') return cs;
  if (!r.tracker.isVoter(r.id)) {
    handOverLeadership(r, null);
    return cs;
  }
  if (r.leadTransferee !== null && !r.tracker.isVoter(r.leadTransferee)) r.abortLeaderTransfer();
  // The quorum may have shrunk (commit now) or grown (new members need the log).
  if (r.maybeCommit()) {
    r.bcastAppend();
  } else {
    for (const id of r.tracker.memberIds()) {
      if (id !== r.id) r.maybeSendAppend(id, false);
    }
  }
  return cs;
}

/**
 * A leader that is not a voter of its configuration (it applied its own
 * removal, or it was elected as a caretaker, see Raft.campaignOwed) hands
 * leadership to a voter, as in a transfer: the most caught-up voter gets the
 * log and then TimeoutNow. Proposals are refused meanwhile.
 *
 * It does not step down on its own (thesis §4.2.2; etcd keeps a removed
 * leader leading until a new leader deposes it): the remaining voters may not
 * know yet that the removal committed, and a voter that has not applied it
 * still needs this node's vote, which a longer log here refuses. Only an
 * elected voter can finish the change, so the handover is retried every
 * election timeout (Raft.tickHeartbeat) with `avoid` = the transferee that
 * did not take over, until a higher term (the new leader's) or check-quorum
 * ends this leadership.
 */
export function handOverLeadership(r: Raft, avoid: NodeId | null): void {
  assert(r.role === 'leader' && !r.tracker.isVoter(r.id), () => `${r.id} hands over leadership as a ${r.role} voter`);
  let transferee: NodeId | null = null;
  let bestMatch = -1;
  for (const id of r.tracker.voters) {
    if (id === avoid && r.tracker.voters.length > 1) continue;
    const match = r.tracker.progress.get(id)?.match ?? 0;
    if (match > bestMatch) {
      bestMatch = match;
      transferee = id;
    }
  }
  assert(transferee !== null, 'a configuration without voters was applied');
  r.logInfo(`not a voter of the configuration: handing leadership to ${transferee}`);
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (bestMatch === r.log.lastIndex()) r.sendTimeoutNow(transferee);
  else r.sendAppend(transferee);
}

/** Installs a leader's snapshot if it is newer than our log; returns whether it did. */
export function restoreSnapshot(r: Raft, snapshot: Snapshot): boolean {
  const { index, term, confState } = snapshot.metadata;
  if (index <= r.log.committed) return false;
  assert(r.role === 'follower', () => `restoring a snapshot as ${r.role}`);
  if (r.log.matchTerm(index, term)) {
    // We already have the snapshot's last entry: just fast-forward the commit.
    r.log.commitTo(index);
    return false;
  }
  r.log.restore(snapshot);
  r.tracker.progress.clear();
  r.tracker.applyConfState(confState, r.log.lastIndex());
  r.logInfo(`restored snapshot ${index} (term ${term})`);
  return true;
}
