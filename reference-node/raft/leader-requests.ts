/**
 * Requests the application makes of the core (proposals, conf changes,
 * ReadIndex, leadership transfer, snapshot/unreachable reports), with their
 * typed refusals.
 */
import { encodeConfChange, validateConfChange } from './conf-change.js';
import { RaftError } from './errors.js';
import { MessageType } from './message.js';
import type { Raft } from './raft.js';
import { asLogIndex, EntryType, type ConfChange, type LogIndex, type NodeId } from './types.js';

const utf8Encoder = new TextEncoder();

function requireLeader(r: Raft, what: string): void {
  if (r.role !== 'leader') {
    throw new RaftError(
      'NotLeader',
      `${what}: ${r.id} is ${r.role}${r.lead === null ? ', no known leader' : `, leader is ${r.lead}`}`,
      r.lead,
    );
  }
  if (!r.tracker.isVoter(r.id)) {
    throw new RaftError('ProposalDropped', `${what}: ${r.id} was removed and is handing over leadership`);
  }
  if (r.leadTransferee !== null) {
    throw new RaftError('TransferInProgress', `${what}: leadership is being transferred to ${r.leadTransferee}`);
  }
}

/** Appends a normal entry; returns its index. Throws NotLeader / TransferInProgress / ProposalDropped. */
export function propose(r: Raft, data: Uint8Array): LogIndex {
  requireLeader(r, 'propose');
  const index = r.appendEntries([{ type: EntryType.Normal, data }], true);
  r.bcastAppend();
  return index;
}

/**
 * Appends a conf change entry; returns its index. At most one may be pending
 * (appended but not yet applied): ConfChangePending otherwise. Changes that do
 * not fit the current configuration are refused (MemberExists, UnknownMember,
 * InvalidConfChange).
 */
export function proposeConfChange(r: Raft, cc: ConfChange): LogIndex {
  requireLeader(r, 'proposeConfChange');
  if (r.pendingConfIndex > r.log.applied) {
    throw new RaftError(
      'ConfChangePending',
      `conf change at index ${r.pendingConfIndex} is not applied yet (applied ${r.log.applied})`,
    );
  }
  const problem = validateConfChange(r.tracker.confState(), cc);
  if (problem !== null) throw new RaftError(problem.code, problem.reason);
  const index = r.appendEntries([{ type: EntryType.ConfChange, data: encodeConfChange(cc) }], true);
  r.pendingConfIndex = index;
  r.bcastAppend();
  return index;
}

/**
 * Requests a linearizable read point. On the leader it is answered after a
 * heartbeat quorum confirms leadership (immediately with a single voter); a
 * follower forwards it to the leader. Throws NotLeader when no leader is known.
 * A request may be dropped silently (lost message, leadership change): the
 * caller needs its own deadline. Request ids must be unique per node while
 * pending (a duplicate is answered once).
 */
export function readIndex(r: Raft, requestId: string): void {
  if (r.role === 'leader') {
    handleReadIndex(r, requestId, null);
    return;
  }
  if (r.lead === null) throw new RaftError('NotLeader', `readIndex: ${r.id} knows no leader`, null);
  r.send({ type: MessageType.ReadIndex, to: r.lead, context: utf8Encoder.encode(requestId) });
}

/** The leader's handling of a local (`from` null) or forwarded read request. */
export function handleReadIndex(r: Raft, requestId: string, from: NodeId | null): void {
  if (r.tracker.voters.length === 1 && r.tracker.isVoter(r.id)) {
    answerReadIndex(r, requestId, from, r.log.committed);
    return;
  }
  if (r.log.term(r.log.committed) !== r.term) {
    // Until an entry of our term commits, our commit index may lag the true one.
    r.waitingReads.push({ requestId, from });
    return;
  }
  const key = r.readOnly.addRequest(r.log.committed, requestId, from);
  if (key === null) return;
  r.readOnly.recvAck(r.id, key);
  r.bcastHeartbeat();
}

export function answerReadIndex(r: Raft, requestId: string, from: NodeId | null, index: number): void {
  if (from === null || from === r.id) {
    r.readStates.push({ index: asLogIndex(index), requestId });
  } else {
    r.send({
      type: MessageType.ReadIndexResponse,
      to: from,
      index: asLogIndex(index),
      context: utf8Encoder.encode(requestId),
    });
  }
}

/**
 * Starts a leadership transfer to `transferee`: proposals are refused until it
 * completes or an election timeout passes. `strict` (local API calls) raises
 * typed errors; forwarded requests are ignored when invalid.
 */
export function transferLeadership(r: Raft, transferee: NodeId, strict: boolean): void {
  if (r.role !== 'leader') {
    if (r.lead === null) {
      if (strict) throw new RaftError('NotLeader', `transferLeader: ${r.id} knows no leader`, null);
      return;
    }
    r.send({ type: MessageType.TransferLeader, to: r.lead, context: utf8Encoder.encode(transferee) });
    return;
  }
  if (!r.tracker.isVoter(transferee)) {
    if (strict) throw new RaftError('UnknownMember', `transferLeader: ${transferee} is not a voter`);
    return;
  }
  if (r.leadTransferee !== null) {
    if (r.leadTransferee === transferee) return;
    r.abortLeaderTransfer();
  }
  if (transferee === r.id) return;
  r.logInfo(`transferring leadership to ${transferee}`);
  // The transfer must finish within an election timeout, counted from now.
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  const pr = r.tracker.progress.get(transferee);
  if (pr !== undefined && pr.match === r.log.lastIndex()) r.sendTimeoutNow(transferee);
  else r.sendAppend(transferee);
}

/** The shell reports how sending a snapshot to `id` ended. */
export function reportSnapshot(r: Raft, id: NodeId, status: 'finish' | 'failure'): void {
  const pr = r.tracker.progress.get(id);
  if (r.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
  if (status === 'failure') pr.pendingSnapshot = 0;
  pr.becomeProbe();
  // Wait for the next heartbeat response before probing (the snapshot may still be installing).
  pr.probeSent = true;
}

/** The shell could not reach `id`: stop streaming optimistically to it. */
export function reportUnreachable(r: Raft, id: NodeId): void {
  const pr = r.tracker.progress.get(id);
  if (r.role === 'leader' && pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
}
