/**
 * The Raft state machine of one node (etcd's raft.go), without I/O: state,
 * role transitions, elections, the leader's replication machinery and
 * membership. Incoming messages are dispatched by step.ts to the role
 * handlers; RawNode wraps this class with the Ready/advance protocol.
 *
 * Internal to the raft/ layer (not exported from index.ts).
 */
import type { RaftConfig } from './config.js';
import { assert, isRaftError, RaftError } from './errors.js';
import { handOverLeadership } from './membership.js';
import { makeMessage, MessageType, type Message } from './message.js';
import { ProgressTracker } from './progress-tracker.js';
import type { Progress } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import {
  asLogIndex,
  asTerm,
  EntryType,
  type Entry,
  type HardState,
  type LogIndex,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type SoftState,
  type Term,
} from './types.js';

/** Vote context marking an election started by leadership transfer (bypasses leader stickiness). */
export const campaignTransferContext = new TextEncoder().encode('transfer-leader');

/** A ReadIndex request waiting for the leader to commit an entry of its term. */
interface WaitingRead {
  readonly requestId: string;
  readonly from: NodeId | null;
}

export class Raft {
  readonly id: NodeId;
  term: Term = asTerm(0);
  vote: NodeId | null = null;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  role: Role = 'follower';
  lead: NodeId | null = null;
  leadTransferee: NodeId | null = null;
  /** Index of the last conf change the leader appended (or its last index on election). */
  pendingConfIndex = 0;
  uncommittedSize = 0;
  readOnly = new ReadOnly();
  readStates: ReadState[] = [];
  msgs: Message[] = [];
  waitingReads: WaitingRead[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /**
   * This node is not a voter of its configuration, yet it refused a vote to
   * a voter of it only because its own log is more up to date. That voter has
   * not applied our removal (configurations take effect on apply) and cannot
   * win without us; the Raft rule is that the more up-to-date server runs
   * itself, so we campaign once after our election timeout, under our
   * configuration, and hand leadership over if we win (thesis §4.2.2: before
   * C_new is known, only a server of C_old may be electable). Cleared by
   * every term or role change and by hearing from a leader.
   */
  campaignOwed = false;

  constructor(readonly config: RaftConfig) {
    this.id = config.id;
    const { hardState, confState } = config.storage.initialState();
    this.log = new RaftLog(config.storage);
    this.tracker = new ProgressTracker(config.maxInflightMessages);
    this.tracker.applyConfState(confState, this.log.lastIndex());
    if (hardState.term > 0 || hardState.vote !== null || hardState.commit > 0) this.loadState(hardState);
    assert(
      config.applied <= this.log.committed,
      () => `applied ${config.applied} is above the commit index ${this.log.committed}`,
    );
    if (config.applied > this.log.applied) this.log.applied = config.applied;
    this.becomeFollower(this.term, null);
    this.logInfo(
      `started: term ${this.term}, commit ${this.log.committed}, applied ${this.log.applied}, last ${this.log.lastIndex()}, voters [${this.tracker.voters.join(',')}]`,
    );
  }

  private loadState(hs: HardState): void {
    assert(
      hs.commit >= this.log.committed && hs.commit <= this.log.lastIndex(),
      () => `hard state commit ${hs.commit} outside [${this.log.committed}, ${this.log.lastIndex()}]`,
    );
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  logInfo(message: string): void {
    this.config.logger?.('info', `${this.id} ${message}`);
  }

  logDebug(message: string): void {
    this.config.logger?.('debug', `${this.id} ${message}`);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: asLogIndex(this.log.committed) };
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }

  /** A voter without a snapshot waiting to be installed may campaign. */
  isPromotable(): boolean {
    return this.tracker.isVoter(this.id) && this.log.unstable.snapshot === null;
  }

  /** A promotable voter, or a non-voter that owes a campaign (see campaignOwed). */
  mayCampaign(): boolean {
    if (this.isPromotable()) return true;
    return this.campaignOwed && this.tracker.voters.length > 0 && this.log.unstable.snapshot === null;
  }

  send(fields: Omit<Parameters<typeof makeMessage>[0], 'from'>): void {
    const isVoteRelated =
      fields.type === MessageType.Vote ||
      fields.type === MessageType.PreVote ||
      fields.type === MessageType.VoteResponse ||
      fields.type === MessageType.PreVoteResponse;
    if (isVoteRelated) {
      assert(
        fields.term !== undefined && fields.term > 0,
        () => `${MessageType[fields.type]} must carry an explicit term`,
      );
    }
    this.msgs.push(makeMessage({ ...fields, from: this.id, term: isVoteRelated ? fields.term : this.term }));
  }

  // ---- time ----

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.mayCampaign() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) this.checkQuorum();
      if (this.role === 'leader' && !this.tracker.isVoter(this.id)) {
        // No stepping down: a voter that has not learned that our removal
        // committed still needs our vote, and may be the only candidate left
        // (see handOverLeadership). Try again, with another voter if any.
        this.logInfo(
          `handover to ${this.leadTransferee} did not finish within ${this.config.electionTicks} ticks: retrying`,
        );
        handOverLeadership(this, this.leadTransferee);
      } else if (this.role === 'leader' && this.leadTransferee !== null) {
        this.logInfo(`aborting leadership transfer to ${this.leadTransferee}: election timeout elapsed`);
        this.abortLeaderTransfer();
      }
    }
    if (this.role !== 'leader') return;
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  /** A leader that has not heard from a quorum within an election timeout steps down. */
  private checkQuorum(): void {
    if (!this.tracker.quorumActive(this.id)) {
      this.logInfo(`stepping down: no quorum heard within ${this.config.electionTicks} ticks`);
      this.becomeFollower(this.term, null);
      return;
    }
    for (const [id, pr] of this.tracker.progress) {
      if (id !== this.id) pr.recentActive = false;
    }
  }

  private resetRandomizedElectionTimeout(): void {
    const r = this.config.random();
    assert(r >= 0 && r < 1, () => `random() returned ${r}, outside [0, 1)`);
    this.randomizedElectionTimeout = this.config.electionTicks + Math.floor(r * this.config.electionTicks);
  }

  // ---- role transitions ----

  private reset(term: Term): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.tracker.resetVotes();
    const lastIndex = this.log.lastIndex();
    for (const [id, pr] of this.tracker.progress) {
      pr.match = id === this.id ? lastIndex : 0;
      pr.next = lastIndex + 1;
      pr.state = 'probe';
      pr.probeSent = false;
      pr.pendingSnapshot = 0;
      pr.recentActive = id === this.id;
      pr.inflights.reset();
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly();
    this.waitingReads = [];
    this.campaignOwed = false;
  }

  becomeFollower(term: Term, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
    this.logDebug(`became follower at term ${term}${lead === null ? '' : `, leader ${lead}`}`);
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become pre-candidate');
    // Pre-vote changes neither term nor vote: a rejoining node cannot inflate terms.
    this.tracker.resetVotes();
    this.lead = null;
    this.role = 'preCandidate';
    this.logDebug(`became pre-candidate at term ${this.term}`);
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become candidate');
    this.reset(asTerm(this.term + 1));
    this.vote = this.id;
    this.role = 'candidate';
    this.logDebug(`became candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    assert(this.role === 'candidate', () => `${this.role} cannot become leader`);
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.tracker.progress.get(this.id)?.becomeReplicate();
    // Any entry in the log may be an unapplied conf change: be conservative.
    this.pendingConfIndex = this.log.lastIndex();
    this.appendEntries([{ type: EntryType.Normal, data: new Uint8Array(0) }], false);
    this.logInfo(`became leader at term ${this.term}`);
    // Elected as a caretaker (campaignOwed): finish the configuration change, then let a voter lead.
    if (!this.tracker.isVoter(this.id)) handOverLeadership(this, null);
  }

  // ---- elections ----

  /** Starts an election (pre-vote first unless disabled or forced by a transfer). */
  hup(transfer: boolean): void {
    if (this.role === 'leader') return;
    // A transfer (TimeoutNow) is only for voters: a leader sends it to a voter of its own configuration.
    if (transfer ? !this.isPromotable() : !this.mayCampaign()) {
      this.logDebug('not campaigning: not a voter (or a snapshot is pending)');
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.logDebug('not campaigning: committed conf changes are not applied yet');
      return;
    }
    if (this.config.preVote && !transfer) this.campaign('preElection', false);
    else this.campaign('election', transfer);
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1);
    return entries !== null && entries.some((e) => e.type === EntryType.ConfChange);
  }

  campaign(kind: 'preElection' | 'election', transfer: boolean): void {
    let voteType: MessageType;
    let term: Term;
    if (kind === 'preElection') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = asTerm(this.term + 1); // the term we would campaign in; our own term is unchanged
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // Single voter: won already.
      if (kind === 'preElection') this.campaign('election', false);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.tracker.voters) {
      if (id === this.id) continue;
      this.send({
        type: voteType,
        to: id,
        term,
        index: lastIndex,
        logTerm: lastTerm,
        ...(transfer ? { context: campaignTransferContext } : {}),
      });
    }
  }

  poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    this.tracker.recordVote(id, granted);
    return this.tracker.tallyVotes().result;
  }

  // ---- leader: appending, committing, replicating ----

  /**
   * Appends new entries at the leader's term. `enforceBound` applies
   * maxUncommittedEntriesBytes (the no-op of a new leader is exempt).
   */
  appendEntries(entries: readonly { type: EntryType; data: Uint8Array }[], enforceBound: boolean): LogIndex {
    const size = entries.reduce((sum, e) => sum + e.data.length, 0);
    if (
      enforceBound &&
      this.uncommittedSize > 0 &&
      size > 0 &&
      this.uncommittedSize + size > this.config.maxUncommittedEntriesBytes
    ) {
      throw new RaftError(
        'ProposalDropped',
        `uncommitted entries would exceed ${this.config.maxUncommittedEntriesBytes} bytes`,
      );
    }
    this.uncommittedSize += size;
    const lastIndex = this.log.lastIndex();
    const full: Entry[] = entries.map((e, i) => ({
      term: this.term,
      index: asLogIndex(lastIndex + 1 + i),
      type: e.type,
      data: e.data,
    }));
    const newLast = this.log.append(full);
    this.tracker.progress.get(this.id)?.maybeUpdate(newLast);
    this.maybeCommit();
    return newLast;
  }

  reduceUncommittedSize(entries: readonly Entry[]): void {
    if (this.role !== 'leader') return;
    const size = entries.reduce((sum, e) => sum + e.data.length, 0);
    this.uncommittedSize = Math.max(0, this.uncommittedSize - size);
  }

  /** Advances the commit index to what a quorum of voters matched, if that entry is of our term. */
  maybeCommit(): boolean {
    return this.log.maybeCommit(this.tracker.committed(), this.term);
  }

  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Sends entries (or a snapshot) to `to` unless its progress is paused; returns whether it sent. */
  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries =
      prevTerm === null ? null : this.log.slice(pr.next, this.log.lastIndex() + 1, this.config.maxEntriesPerMessage);
    if (prevTerm === null || entries === null) return this.maybeSendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: MessageType.Append,
      to,
      index: asLogIndex(prevIndex),
      logTerm: prevTerm,
      entries,
      commit: asLogIndex(this.log.committed),
    });
    pr.sentEntries(entries.length, prevIndex + entries.length);
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) {
      this.logDebug(`not sending a snapshot to ${to}: not recently active`);
      return false;
    }
    let snapshot: Snapshot;
    try {
      snapshot = this.log.snapshot();
    } catch (error) {
      if (isRaftError(error, 'SnapshotUnavailable')) return false;
      throw error;
    }
    assert(snapshot.metadata.index > 0, () => `need a snapshot for ${to} but storage has none`);
    pr.becomeSnapshot(snapshot.metadata.index);
    this.logInfo(`sending snapshot ${snapshot.metadata.index} to ${to}`);
    this.send({ type: MessageType.Snapshot, to, snapshot });
    return true;
  }

  sendHeartbeat(to: NodeId, context: Uint8Array): void {
    const pr = this.tracker.progress.get(to);
    const commit = Math.min(pr?.match ?? 0, this.log.committed);
    this.send({ type: MessageType.Heartbeat, to, commit: asLogIndex(commit), context });
  }

  bcastAppend(): void {
    for (const id of this.tracker.memberIds()) {
      if (id !== this.id) this.sendAppend(id);
    }
  }

  bcastHeartbeat(): void {
    const key = this.readOnly.lastPendingKey();
    const context = key === null ? new Uint8Array(0) : new TextEncoder().encode(key);
    for (const id of this.tracker.memberIds()) {
      if (id !== this.id) this.sendHeartbeat(id, context);
    }
  }

  sendTimeoutNow(to: NodeId): void {
    this.send({ type: MessageType.TimeoutNow, to });
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = null;
  }
}

/** The lease check of leader stickiness: a follower that recently heard from a leader ignores campaigns. */
export function inLeaderLease(r: Raft): boolean {
  return r.config.checkQuorum && r.lead !== null && r.electionElapsed < r.config.electionTicks;
}
