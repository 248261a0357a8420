/**
 * The leader's message handlers (etcd's stepLeader): acknowledgements,
 * rejections with fast backtracking, heartbeat responses (check-quorum
 * activity and ReadIndex confirmation), forwarded reads and transfers.
 */
import { assert } from './errors.js';
import { MessageType, type Message } from './message.js';
import type { Progress } from './progress.js';
import { isQuorum } from './quorum.js';
import type { Raft } from './raft.js';
import { answerReadIndex, handleReadIndex, transferLeadership } from './leader-requests.js';
import { asNodeId } from './types.js';

const utf8Decoder = new TextDecoder();

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.ReadIndex:
      handleReadIndex(r, utf8Decoder.decode(m.context), m.from);
      return;
    case MessageType.TransferLeader:
      transferLeadership(r, asNodeId(utf8Decoder.decode(m.context)), false);
      return;
    case MessageType.Append:
    case MessageType.Heartbeat:
    case MessageType.Snapshot:
      assert(false, () => `two leaders in term ${r.term}: ${r.id} and ${m.from}`);
      return;
    case MessageType.AppendResponse:
    case MessageType.HeartbeatResponse: {
      const pr = r.tracker.progress.get(m.from);
      if (pr === undefined) return; // a removed member
      pr.recentActive = true;
      if (m.type === MessageType.AppendResponse) handleAppendResponse(r, m, pr);
      else handleHeartbeatResponse(r, m, pr);
      return;
    }
    case MessageType.Vote:
    case MessageType.PreVote:
    case MessageType.VoteResponse:
    case MessageType.PreVoteResponse:
    case MessageType.TimeoutNow:
    case MessageType.ReadIndexResponse:
      return; // late vote responses and follower-only messages: nothing to do
  }
}

function handleAppendResponse(r: Raft, m: Message, pr: Progress): void {
  if (m.reject) {
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      r.logDebug(`${m.from} rejected ${m.index} (hint ${m.rejectHint}/${m.logTerm}): probing from ${pr.next}`);
      if (pr.state === 'replicate') pr.becomeProbe();
      r.sendAppend(m.from);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return;
  switch (pr.state) {
    case 'probe':
      pr.becomeReplicate();
      break;
    case 'snapshot':
      if (pr.match + 1 >= r.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
      break;
    case 'replicate':
      pr.inflights.freeLE(m.index);
      break;
  }
  if (r.maybeCommit()) {
    releaseWaitingReads(r);
    r.bcastAppend();
  } else if (wasPaused) {
    r.sendAppend(m.from);
  }
  while (r.maybeSendAppend(m.from, false)) {
    // keep filling the inflight window
  }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.logInfo(`transferee ${m.from} caught up: sending TimeoutNow`);
    r.sendTimeoutNow(m.from);
  }
}

function handleHeartbeatResponse(r: Raft, m: Message, pr: Progress): void {
  pr.probeSent = false;
  // A full window that is not draining may hold lost Appends: free one slot so
  // the next Append goes out; if entries were lost the follower rejects it and
  // we fall back to probing from its match.
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
  if (pr.match < r.log.lastIndex()) r.sendAppend(m.from);
  if (m.context.length === 0) return;
  const key = utf8Decoder.decode(m.context);
  const acks = r.readOnly.recvAck(m.from, key);
  if (acks === null || !isQuorum(r.tracker.voters, acks)) return;
  for (const request of r.readOnly.advance(key)) {
    answerReadIndex(r, request.requestId, request.from, request.index);
  }
}

/** Reads that waited for the leader's first commit in its term can now be served. */
function releaseWaitingReads(r: Raft): void {
  if (r.waitingReads.length === 0 || r.log.term(r.log.committed) !== r.term) return;
  const waiting = r.waitingReads;
  r.waitingReads = [];
  for (const read of waiting) handleReadIndex(r, read.requestId, read.from);
}
