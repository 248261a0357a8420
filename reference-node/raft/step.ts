/**
 * Message dispatch (etcd's Raft.Step): term comparison, vote requests, and the
 * follower and candidate handlers. The leader's handlers are in step-leader.ts.
 */
import { assert } from './errors.js';
import { restoreSnapshot } from './membership.js';
import { MessageType, type Message } from './message.js';
import { campaignTransferContext, inLeaderLease, type Raft } from './raft.js';
import { stepLeader } from './step-leader.js';
import { asLogIndex } from './types.js';

const utf8Decoder = new TextDecoder();

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Steps a peer message into `r`. */
export function stepMessage(r: Raft, m: Message): void {
  if (m.term > r.term) {
    if (!onHigherTerm(r, m)) return;
  } else if (m.term < r.term) {
    onLowerTerm(r, m);
    return;
  }
  if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
    handleVoteRequest(r, m);
    return;
  }
  switch (r.role) {
    case 'leader':
      stepLeader(r, m);
      return;
    case 'candidate':
    case 'preCandidate':
      stepCandidate(r, m);
      return;
    case 'follower':
      stepFollower(r, m);
      return;
  }
}

/** Returns false when the message is to be ignored. */
function onHigherTerm(r: Raft, m: Message): boolean {
  if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
    const force = bytesEqual(m.context, campaignTransferContext);
    if (!force && inLeaderLease(r)) {
      // Leader stickiness: we heard from a live leader within the election timeout.
      r.logDebug(`ignoring ${MessageType[m.type]} from ${m.from} at term ${m.term}: leader ${r.lead} is live`);
      return false;
    }
  }
  if (m.type === MessageType.PreVote) return true; // never change term on a pre-vote request
  if (m.type === MessageType.PreVoteResponse && !m.reject) return true; // the term is bumped when we win
  const fromLeader =
    m.type === MessageType.Append || m.type === MessageType.Heartbeat || m.type === MessageType.Snapshot;
  r.becomeFollower(m.term, fromLeader ? m.from : null);
  return true;
}

function onLowerTerm(r: Raft, m: Message): void {
  if (
    (r.config.checkQuorum || r.config.preVote) &&
    (m.type === MessageType.Heartbeat || m.type === MessageType.Append)
  ) {
    // A stale leader (e.g. healed from a partition) never hears a higher term
    // when pre-vote / stickiness suppress elections: tell it ours so it steps down.
    r.send({ type: MessageType.AppendResponse, to: m.from });
  } else if (m.type === MessageType.PreVote) {
    // Reject, so the pre-candidate learns our higher term.
    r.send({ type: MessageType.PreVoteResponse, to: m.from, term: r.term, reject: true });
  }
}

function handleVoteRequest(r: Raft, m: Message): void {
  const responseType = m.type === MessageType.Vote ? MessageType.VoteResponse : MessageType.PreVoteResponse;
  const canVote =
    r.vote === m.from || (r.vote === null && r.lead === null) || (m.type === MessageType.PreVote && m.term > r.term);
  const upToDate = r.log.isUpToDate(m.index, m.logTerm);
  if (canVote && upToDate) {
    // Answer in the request's term: for a pre-vote it is the term the candidate would use.
    r.send({ type: responseType, to: m.from, term: m.term });
    if (m.type === MessageType.Vote) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ type: responseType, to: m.from, term: r.term, reject: true });
    if (canVote && !upToDate && !r.tracker.isVoter(r.id) && r.tracker.isVoter(m.from) && !r.campaignOwed) {
      // The candidate still counts us (it has not applied our removal) and
      // cannot win while we refuse, and we never campaign as a non-voter:
      // nobody could be elected. Run ourselves instead (Raft.campaignOwed).
      r.logInfo(
        `refused ${MessageType[m.type]} from ${m.from}, a voter, for its shorter log: campaigning in its place`,
      );
      r.campaignOwed = true;
    }
  }
}

function stepCandidate(r: Raft, m: Message): void {
  const myResponseType = r.role === 'preCandidate' ? MessageType.PreVoteResponse : MessageType.VoteResponse;
  switch (m.type) {
    case MessageType.Append:
    case MessageType.Heartbeat:
    case MessageType.Snapshot:
      r.becomeFollower(m.term, m.from);
      stepFollower(r, m);
      return;
    case MessageType.VoteResponse:
    case MessageType.PreVoteResponse: {
      if (m.type !== myResponseType) return;
      const result = r.poll(m.from, !m.reject);
      if (result === 'won') {
        if (r.role === 'preCandidate') r.campaign('election', false);
        else {
          r.becomeLeader();
          r.bcastAppend();
        }
      } else if (result === 'lost') {
        r.becomeFollower(r.term, null);
      }
      return;
    }
    case MessageType.Vote:
    case MessageType.PreVote:
    case MessageType.AppendResponse:
    case MessageType.HeartbeatResponse:
    case MessageType.ReadIndex:
    case MessageType.ReadIndexResponse:
    case MessageType.TimeoutNow:
    case MessageType.TransferLeader:
      return; // nothing else concerns a candidate; forwarded requests time out at their origin
  }
}

function stepFollower(r: Raft, m: Message): void {
  const fromLeader =
    m.type === MessageType.Append || m.type === MessageType.Heartbeat || m.type === MessageType.Snapshot;
  if (fromLeader) r.campaignOwed = false; // a leader exists: it finishes the configuration change
  switch (m.type) {
    case MessageType.Append:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return;
    case MessageType.Heartbeat:
      r.electionElapsed = 0;
      r.lead = m.from;
      r.log.commitTo(m.commit);
      r.send({ type: MessageType.HeartbeatResponse, to: m.from, context: m.context });
      return;
    case MessageType.Snapshot:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case MessageType.TimeoutNow:
      r.logInfo(`received TimeoutNow from ${m.from}: campaigning for leadership transfer`);
      r.hup(true);
      return;
    case MessageType.ReadIndexResponse:
      r.readStates.push({ index: m.index, requestId: utf8Decoder.decode(m.context) });
      return;
    case MessageType.TransferLeader:
      if (r.lead !== null && r.lead !== m.from)
        r.send({ type: MessageType.TransferLeader, to: r.lead, context: m.context });
      return;
    case MessageType.Vote:
    case MessageType.PreVote:
    case MessageType.VoteResponse:
    case MessageType.PreVoteResponse:
    case MessageType.AppendResponse:
    case MessageType.HeartbeatResponse:
    case MessageType.ReadIndex:
      return; // stale responses; a read forwarded to a non-leader times out at its origin
  }
}

function handleAppend(r: Raft, m: Message): void {
  if (m.index < r.log.committed) {
    r.send({ type: MessageType.AppendResponse, to: m.from, index: asLogIndex(r.log.committed) });
    return;
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== null) {
    r.send({ type: MessageType.AppendResponse, to: m.from, index: asLogIndex(lastNew) });
    return;
  }
  // Reject with a hint: the last index ≤ m.index whose term is ≤ m.logTerm, so
  // the leader can skip every entry of a term we cannot match.
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.send({
    type: MessageType.AppendResponse,
    to: m.from,
    index: m.index,
    reject: true,
    rejectHint: hint.index,
    logTerm: hint.term,
  });
}

function handleSnapshot(r: Raft, m: Message): void {
  assert(m.snapshot !== null, () => `snapshot message from ${m.from} without a snapshot`);
  const restored = restoreSnapshot(r, m.snapshot);
  const index = restored ? r.log.lastIndex() : r.log.committed;
  r.send({ type: MessageType.AppendResponse, to: m.from, index: asLogIndex(index) });
}
