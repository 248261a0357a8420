/**
 * The public face of the Raft core (etcd's RawNode): a synchronous, pure
 * state machine driven by `tick`, `step` and the request methods, whose
 * effects the application collects with `ready()` and acknowledges with
 * `advance()` (see ready.ts for the persist → send → apply → advance contract).
 */
import { resolveRaftConfig, type RaftConfigInput } from './config.js';
import { assert } from './errors.js';
import {
  propose,
  proposeConfChange,
  readIndex,
  reportSnapshot,
  reportUnreachable,
  transferLeadership,
} from './leader-requests.js';
import { applyConfChange } from './membership.js';
import type { Message } from './message.js';
import { Raft } from './raft.js';
import type { Ready } from './ready.js';
import type { PeerProgress, RaftStatus } from './status.js';
import { stepMessage } from './step.js';
import {
  asLogIndex,
  type ConfChange,
  type ConfState,
  type HardState,
  type LogIndex,
  type NodeId,
  type SoftState,
} from './types.js';

const sameHardState = (a: HardState, b: HardState): boolean =>
  a.term === b.term && a.vote === b.vote && a.commit === b.commit;
const sameSoftState = (a: SoftState, b: SoftState): boolean => a.leader === b.leader && a.role === b.role;

export class RawNode {
  private readonly raft: Raft;
  private previousSoftState: SoftState;
  private previousHardState: HardState;
  private outstanding: Ready | null = null;

  /** Creates a node from its persisted state in `config.storage` (see Raft config for defaults). */
  constructor(config: RaftConfigInput) {
    this.raft = new Raft(resolveRaftConfig(config));
    this.previousSoftState = this.raft.softState();
    this.previousHardState = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances logical time by one tick (election and heartbeat timers). */
  tick(): void {
    this.raft.tick();
  }

  /**
   * Starts an election now (pre-vote first when enabled). No effect on a
   * leader or a non-voter (unless it owes a campaign, see the README).
   */
  campaign(): void {
    this.raft.hup(false);
  }

  /**
   * Proposes application data; returns the index it was appended at.
   * Throws RaftError NotLeader (with `leader`), TransferInProgress or ProposalDropped.
   */
  propose(data: Uint8Array): LogIndex {
    return propose(this.raft, data);
  }

  /**
   * Proposes a membership change; returns its index. Throws as `propose`, plus
   * ConfChangePending, MemberExists, UnknownMember, InvalidConfChange.
   */
  proposeConfChange(cc: ConfChange): LogIndex {
    return proposeConfChange(this.raft, cc);
  }

  /**
   * Applies a committed ConfChange entry (the application calls it while
   * applying that entry); returns the new configuration, which the
   * application persists with its applied index.
   */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this.raft, cc);
  }

  /**
   * Steps a message received from a peer. Messages addressed to another node
   * are a transport bug (assertion).
   */
  step(message: Message): void {
    assert(message.to === this.raft.id, () => `message for ${message.to} stepped into ${this.raft.id}`);
    stepMessage(this.raft, message);
  }

  /** Asks the leader (or, via the leader, this node's leader) to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    transferLeadership(this.raft, transferee, true);
  }

  /** Requests a linearizable read point; the answer comes out in Ready.readStates. */
  readIndex(requestId: string): void {
    readIndex(this.raft, requestId);
  }

  /** The transport failed to deliver to `id`. */
  reportUnreachable(id: NodeId): void {
    reportUnreachable(this.raft, id);
  }

  /** How streaming a snapshot to `id` ended. */
  reportSnapshot(id: NodeId, status: 'finish' | 'failure'): void {
    reportSnapshot(this.raft, id, status);
  }

  /** Whether `ready()` has something to hand out (false while a Ready awaits `advance()`). */
  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const r = this.raft;
    return (
      !sameSoftState(r.softState(), this.previousSoftState) ||
      !sameHardState(r.hardState(), this.previousHardState) ||
      r.log.unstable.snapshot !== null ||
      r.log.unstableEntries().length > 0 ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  /** Collects the pending work; the caller must call `advance()` before the next `ready()`. */
  ready(): Ready {
    assert(this.outstanding === null, 'ready() called again before advance()');
    const r = this.raft;
    const softState = r.softState();
    const hardState = r.hardState();
    const entries = [...r.log.unstableEntries()];
    const hardStateChanged = !sameHardState(hardState, this.previousHardState);
    const snapshot = r.log.unstable.snapshot;
    const mustSync =
      entries.length > 0 ||
      snapshot !== null ||
      hardState.term !== this.previousHardState.term ||
      hardState.vote !== this.previousHardState.vote;
    const rd: Ready = {
      ...(sameSoftState(softState, this.previousSoftState) ? {} : { softState }),
      ...(hardStateChanged ? { hardState } : {}),
      readStates: r.readStates,
      entries,
      ...(snapshot === null ? {} : { snapshot }),
      committedEntries: r.log.nextCommittedEntries(r.config.maxCommittedEntriesPerReady),
      messages: r.msgs,
      mustSync,
    };
    r.readStates = [];
    r.msgs = [];
    this.previousSoftState = softState;
    this.previousHardState = hardState;
    this.outstanding = rd;
    return rd;
  }

  /** Acknowledges the last Ready: it was persisted, sent and applied. */
  advance(): void {
    const rd = this.outstanding;
    assert(rd !== null, 'advance() without an outstanding ready()');
    const r = this.raft;
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) {
      r.log.appliedTo(lastCommitted.index);
      r.reduceUncommittedSize(rd.committedEntries);
    }
    if (rd.snapshot !== undefined) {
      r.log.unstable.stableSnapTo(rd.snapshot.metadata.index);
      if (rd.snapshot.metadata.index > r.log.applied) r.log.appliedTo(rd.snapshot.metadata.index);
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) r.log.unstable.stableTo(lastEntry.index, lastEntry.term);
    this.outstanding = null;
  }

  /** A snapshot of the node's Raft state. */
  status(): RaftStatus {
    const r = this.raft;
    const progress: Record<string, PeerProgress> = {};
    if (r.role === 'leader') {
      for (const id of r.tracker.memberIds()) {
        const pr = r.tracker.progress.get(id);
        if (pr === undefined) continue;
        progress[id] = {
          match: asLogIndex(pr.match),
          next: asLogIndex(pr.next),
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
          inflight: pr.inflights.count,
        };
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: asLogIndex(r.log.committed),
      applied: asLogIndex(r.log.applied),
      lead: r.lead,
      role: r.role,
      confState: r.tracker.confState(),
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }
}
