/**
 * The node's request side: proposals, linearizable reads, membership changes
 * and leadership transfer, on top of the Raft loop. Every failure is a
 * registry NodeError; whether it is definite follows one rule: anything
 * refused before `propose` returned is definite, anything after is not.
 */
import { NodeError, type LeaderHint } from '../proto/index.js';
import {
  encodeKvPayload,
  encodeProposal,
  type AppliedProposal,
  type Hlc,
  type KvRequest,
  type ProposalRegistry,
  type StateMachine,
} from '../kv/index.js';
import { asNodeId, type ConfChangeType, type ConfState, type SoftState } from '../raft/types.js';
import type { RawNode } from '../raft/index.js';
import { encodeConfChangeContext } from './conf-change-context.js';
import { KeyedWaiters } from './keyed-waiters.js';
import type { NodeClock, NodeRandom } from './node-clock.js';
import type { Logger } from './logger.js';
import type { HaltInfo, RaftLoop, RaftLoopEvents } from './raft-loop.js';
import { toNodeError } from './raft-error-mapping.js';
import type { AddressBook } from './address-book.js';
import type { ProposalBarrier } from './proposal-barrier.js';
import { LeaderReadiness } from './leader-readiness.js';
import type { RawNodeLike } from './raft-node-port.js';

/** Construction parameters of the core. */
export interface NodeCoreOptions {
  readonly id: string;
  readonly rawNode: RawNode;
  readonly proposals: ProposalRegistry;
  readonly fsm: StateMachine;
  readonly hlc: Hlc;
  readonly addressBook: AddressBook;
  readonly proposalTimeoutMs: number;
  /**
   * How long a proposal on a newly elected leader waits until the leader
   * applied its log up to the start of its term (leader-readiness.ts) before
   * it is refused with a definite ProposalDropped.
   */
  readonly leaderReadyWaitMs: number;
  readonly waitersMax: number;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly logger: Logger;
  /** Times proposals, reads, membership changes and leadership transfers (deadlines and the proposal latency). */
  readonly clock: NodeClock;
  /** Draws the request ids of ReadIndex reads and membership changes. */
  readonly random: NodeRandom;
  /**
   * The raft-envelope wrap of FSM payloads (identity until a cutover is
   * installed); may throw a retryable ErrWriterNotRegistered. Default: identity.
   */
  readonly wrapPayload?: (payload: Uint8Array) => Uint8Array;
  /** The Phase-2 cutover barrier user proposals pass through (default: none). */
  readonly barrier?: ProposalBarrier;
  /** Active catalogued-bug switches (upper-case ids, see bug-switches.ts); default none. */
  readonly bugs?: ReadonlySet<string>;
}

/** How often a local read samples the applied index around its read before it answers with the last sample. */
const localReadAttemptsMax = 5;

/** A membership change as the admin API asks for it. */
export interface MembershipRequest {
  readonly type: ConfChangeType;
  readonly id: string;
  readonly address: string;
}

/** The request side of a node; the loop is attached after construction. */
export class NodeCore {
  /** KV proposals applied on this node as leader and their summed time from proposeKv to applied (Status; bench:node's latency breakdown). */
  readonly kvProposalTimes = { proposals: 0, totalMs: 0 };
  private loop: RaftLoop | undefined;
  private closing = false;
  private readonly reads: KeyedWaiters<number>;
  private readonly readIndexes = new Map<string, number>();
  private readonly confChanges: KeyedWaiters<{ index: number; confState: ConfState }>;
  private appliedIndex = 0;
  private readonly leaderWaiters = new Set<() => void>();
  private readonly leaderListeners = new Set<(hint: LeaderHint) => void>();
  private readonly readiness: LeaderReadiness;

  constructor(private readonly options: NodeCoreOptions) {
    this.reads = new KeyedWaiters(
      options.waitersMax,
      { name: 'ReadIndexTimeout', message: 'leadership not confirmed' },
      options.clock,
    );
    this.confChanges = new KeyedWaiters(
      16,
      { name: 'ProposalTimeout', message: 'membership change not applied' },
      options.clock,
    );
    this.readiness = new LeaderReadiness({
      raftStatus: () => options.rawNode.status(),
      appliedIndex: () => options.fsm.appliedIndex(),
      stopped: () => this.loop?.halt !== undefined || this.closing,
      waitMs: options.leaderReadyWaitMs,
      clock: options.clock,
    });
  }

  attach(loop: RaftLoop): void {
    this.loop = loop;
    this.appliedIndex = this.options.fsm.appliedIndex();
  }

  private get raftLoop(): RaftLoop {
    if (this.loop === undefined) throw new Error('assertion failed: NodeCore used before attach()');
    return this.loop;
  }

  /** The loop's callbacks (wired by the node at construction). */
  events(sendMessages: RaftLoopEvents['sendMessages'], onHalt: (halt: HaltInfo) => void): RaftLoopEvents {
    return {
      sendMessages,
      softStateChanged: (previous, next) => this.onSoftState(previous, next),
      readStateReady: (requestId, index) => {
        if (this.reads.has(requestId)) this.readIndexes.set(requestId, index);
        this.resolveReads();
      },
      applied: (index) => {
        this.appliedIndex = index;
        // Lease entries of earlier leaders may apply only after this node took over:
        // re-fencing keeps its timestamps at or above every applied ceiling.
        if (this.isLeader()) this.options.hlc.fenceForLeadership();
        this.resolveReads();
        this.readiness.changed();
      },
      confChangeApplied: (requestId, index, confState) => {
        this.appliedIndex = Math.max(this.appliedIndex, index);
        this.readiness.changed();
        if (requestId !== '') this.confChanges.resolve(requestId, { index, confState });
      },
      halted: (halt) => this.onHalt(halt, onHalt),
    };
  }

  /** Who this node believes leads. */
  leaderHint(): LeaderHint {
    const leader = this.loop?.currentSoftState.leader ?? null;
    if (leader === null) return { leaderId: '', leaderAddress: '' };
    return { leaderId: leader, leaderAddress: this.options.addressBook.get(leader) ?? '' };
  }

  /** Calls `listener` whenever the known leader changes; returns the unsubscribe function. */
  onLeaderChange(listener: (hint: LeaderHint) => void): () => void {
    this.leaderListeners.add(listener);
    return () => this.leaderListeners.delete(listener);
  }

  isLeader(): boolean {
    return this.loop?.currentSoftState.role === 'leader';
  }

  /** Refuses new work on a halted or closing node. */
  assertServing(): void {
    const halt = this.loop?.halt;
    if (halt !== undefined) throw new NodeError('NodeHalted', `apply halted at index ${halt.index}: ${halt.reason}`);
    if (this.closing) throw new NodeError('ShuttingDown', 'the node is shutting down');
  }

  /** Throws NotLeader (definite, with the hint) unless this node leads. */
  assertLeader(): void {
    this.assertServing();
    if (!this.isLeader()) {
      const hint = this.leaderHint();
      if (hint.leaderId === '') throw new NodeError('NoLeader', 'no leader is known');
      throw new NodeError(
        'NotLeader',
        `not leader (current leader id=${hint.leaderId} address=${hint.leaderAddress})`,
        hint,
      );
    }
  }

  /** Proposes a KV request stamped with the leader's HLC and waits until it is applied. */
  async proposeKv(
    build: (commitTs: bigint) => KvRequest,
    options: { readonly wrap?: boolean } = {},
  ): Promise<AppliedProposal> {
    this.assertLeader();
    const startedAt = this.options.clock.monotonicMs();
    const applied = await this.userProposal(() =>
      this.proposePayload(
        () => encodeKvPayload({ kind: 'single', request: build(this.options.hlc.now()) }),
        options.wrap ?? true,
      ),
    );
    this.kvProposalTimes.proposals += 1;
    this.kvProposalTimes.totalMs += this.options.clock.monotonicMs() - startedAt;
    return applied;
  }

  /** Proposes an arbitrary FSM payload as a user proposal (test hook, self-issued registrations) and waits for apply. */
  async proposeRaw(payload: Uint8Array): Promise<AppliedProposal> {
    this.assertLeader();
    return this.userProposal(() => this.proposePayload(() => payload));
  }

  /**
   * Proposes an encryption admin payload (exempt from the cutover barrier,
   * spec §7.6 "ProposeAdmin") and waits for apply. `wrap: false` only for the
   * raft cutover marker, the one payload that is never wrapped.
   */
  async proposeAdmin(payload: Uint8Array, options: { readonly wrap?: boolean } = {}): Promise<AppliedProposal> {
    this.assertLeader();
    // BUG SWITCH B9: admin entries go through the raw engine, unwrapped even after the cutover.
    const wrapByDefault = this.options.bugs?.has('B9') !== true;
    return this.proposePayload(() => payload, options.wrap ?? wrapByDefault);
  }

  private userProposal<T>(propose: () => Promise<T>): Promise<T> {
    return this.options.barrier === undefined ? propose() : this.options.barrier.track(propose);
  }

  /** Proposes the HLC lease renewal (0x02) without waiting; a leader does this periodically. */
  proposeLeaseRenewal(leaseMs: number): void {
    if (!this.isLeader() || this.loop?.halt !== undefined || this.closing || this.options.barrier?.isClosed === true)
      return;
    // Not before this leader applied up to its term's start: the wrap below is decided now (leader-readiness.ts).
    const term = this.readiness.readyTerm();
    if (term === null) return;
    let data: Uint8Array;
    try {
      const lease = this.options.hlc.leaseRenewalPayload(leaseMs);
      // BUG SWITCH B10: the lease renewal bypasses the wrap-aware proposer.
      data = this.entryData(
        this.options.proposals.allocateId(),
        lease,
        this.options.bugs?.has('B10') === true ? lease : this.wrap(lease),
      );
    } catch (error) {
      this.options.logger.debug(
        { err: error instanceof Error ? error.message : String(error) },
        'lease renewal not wrapped',
      );
      return;
    }
    this.raftLoop.inbox.run(this.proposeInTerm(data, term)).catch((error: unknown) => {
      this.options.logger.debug(
        { err: error instanceof Error ? error.message : String(error) },
        'lease renewal not proposed',
      );
    });
  }

  private wrap(payload: Uint8Array): Uint8Array {
    return this.options.wrapPayload === undefined ? payload : this.options.wrapPayload(payload);
  }

  /** Entry data of one proposal: the proposal envelope (never encrypted) around the FSM payload, wrapped or not. */
  private entryData(id: bigint, plain: Uint8Array, fsmPayload: Uint8Array): Uint8Array {
    // BUG SWITCH B3: once wrapping (the wrap returned new bytes), encrypt the whole envelope (0x01 ‖ id ‖ payload) instead of the payload inside it.
    if (this.options.bugs?.has('B3') === true && fsmPayload !== plain) return this.wrap(encodeProposal(id, plain));
    return encodeProposal(id, fsmPayload);
  }

  private async proposePayload(payload: () => Uint8Array, wrap = true): Promise<AppliedProposal> {
    // The wrap is decided only once this leader applied everything of earlier terms (a raft cutover among them installs it).
    const term = await this.leaderReadyTerm();
    // Wrapped before the proposal is registered: a refused wrap leaves nothing pending.
    const plain = payload();
    const fsmPayload = wrap ? this.wrap(plain) : plain;
    const pending = this.options.proposals.register();
    try {
      const data = this.entryData(pending.id, plain, fsmPayload);
      await this.raftLoop.inbox.run(this.proposeInTerm(data, term));
    } catch (error) {
      // Refused before it was appended: definite.
      const nodeError = toNodeError(error, () => this.leaderHint());
      this.options.proposals.reject(pending.id, nodeError);
      throw nodeError;
    }
    const timer = this.options.clock.after(this.options.proposalTimeoutMs, () => {
      this.options.proposals.reject(
        pending.id,
        new NodeError('ProposalTimeout', `not applied within ${this.options.proposalTimeoutMs} ms`),
      );
    });
    try {
      return await pending.applied;
    } finally {
      timer.cancel();
    }
  }

  /**
   * The term this node leads in, once it applied its log up to the start of
   * that term (waiting at most `leaderReadyWaitMs`, woken by the apply).
   * Otherwise a definite refusal: nothing was proposed, so a retry is safe.
   */
  private async leaderReadyTerm(): Promise<number> {
    const outcome = await this.readiness.untilReady();
    if (outcome.kind === 'ready') return outcome.term;
    this.assertLeader();
    const start = outcome.termStartIndex === null ? 'its term start' : `its term start ${outcome.termStartIndex}`;
    throw new NodeError(
      'ProposalDropped',
      `new leader not ready: applied ${outcome.appliedIndex}, below ${start}, after ${this.options.leaderReadyWaitMs} ms; nothing was proposed (retry)`,
    );
  }

  /**
   * The inbox step that appends a proposal decided (wrapped or not) as
   * leader of `term`. In a later term of this node's leadership (lost and
   * won back while the proposal waited in the inbox) that decision may be
   * stale, so it is refused before anything is appended; a node that no
   * longer leads gets Raft's own NotLeader.
   */
  private proposeInTerm(data: Uint8Array, term: number): (raw: RawNodeLike) => void {
    return (raw) => {
      const now = this.options.rawNode.status();
      if (now.role === 'leader' && now.term !== term) {
        throw new NodeError(
          'ProposalDropped',
          `leadership moved from term ${term} to term ${now.term} before the proposal reached Raft; nothing was proposed (retry)`,
        );
      }
      raw.propose(data);
    };
  }

  /**
   * A linearizable read point (ReadIndex): confirms leadership with a quorum
   * round and waits until the local applied index reaches it. This is also
   * the §6.2 VerifyLeader of the admin leader gate.
   */
  async linearizableRead(): Promise<number> {
    this.assertLeader();
    const requestId = this.options.random.uuid();
    const result = this.reads.wait(requestId, this.options.proposalTimeoutMs);
    // The waiter is awaited at once and the inbox hand-off only feeds it: while the request still sits in the
    // inbox (a busy loop, a paused process waking with every timer due), the waiter's deadline, a leadership
    // change, a halt or a shutdown may reject it, and a rejection nothing awaits yet would crash the process.
    void this.raftLoop.inbox
      .run((raw) => raw.readIndex(requestId))
      .catch((error: unknown) => {
        this.reads.reject(
          requestId,
          toNodeError(error, () => this.leaderHint()),
        );
      });
    try {
      return await result;
    } finally {
      this.readIndexes.delete(requestId);
    }
  }

  /** The value of `key` after a linearizable read point. */
  async get(key: Uint8Array): Promise<{ readonly value: Uint8Array | null; readonly readIndex: number }> {
    const readIndex = await this.linearizableRead();
    return { value: await this.options.fsm.get(key), readIndex };
  }

  /**
   * The value of `key` in this node's own applied state and the applied index
   * it was read at: no ReadIndex, no forwarding, so also on followers,
   * learners and halted nodes (not linearizable). Refused only while the
   * node shuts down (its storage closes). The applied index is sampled
   * before and after the read, and the read retried until both agree (an
   * entry applied meanwhile), at most `localReadAttemptsMax` times.
   */
  async localRead(key: Uint8Array): Promise<{ readonly value: Uint8Array | null; readonly readIndex: number }> {
    for (let attempt = 1; ; attempt++) {
      if (this.closing) throw new NodeError('ShuttingDown', 'the node is shutting down');
      const before = this.options.fsm.appliedIndex();
      const value = await this.options.fsm.get(key);
      const after = this.options.fsm.appliedIndex();
      if (before === after || attempt >= localReadAttemptsMax) return { value, readIndex: after };
    }
  }

  private resolveReads(): void {
    for (const [requestId, index] of this.readIndexes) {
      if (index <= this.appliedIndex) {
        this.readIndexes.delete(requestId);
        this.reads.resolve(requestId, index);
      }
    }
  }

  /** Proposes a single-server membership change and waits until it is applied here. */
  async changeMembership(request: MembershipRequest): Promise<{ index: number; confState: ConfState }> {
    this.assertLeader();
    await this.linearizableRead();
    const requestId = this.options.random.uuid();
    const context = encodeConfChangeContext({ address: request.address, requestId });
    const applied = this.confChanges.wait(requestId, this.options.proposalTimeoutMs);
    // As in linearizableRead: the waiter is awaited at once, the hand-off only rejects it.
    void this.raftLoop.inbox
      .run((raw) => raw.proposeConfChange({ type: request.type, nodeId: asNodeId(request.id), context }))
      .catch((error: unknown) => {
        this.confChanges.reject(
          requestId,
          toNodeError(error, () => this.leaderHint()),
        );
      });
    return await applied;
  }

  /**
   * Hands leadership to `target` and waits until it leads; TransferFailed
   * (definite: leadership did not move) when it does not within the bound.
   */
  async transferLeadership(target: string): Promise<{ leader: string; term: number }> {
    this.assertLeader();
    const confState = this.raftLoop.currentConfState;
    if (!confState.voters.includes(asNodeId(target))) throw new NodeError('UnknownMember', `${target} is not a voter`);
    if (target !== this.options.id) {
      await this.raftLoop.inbox.run((raw) => raw.transferLeader(asNodeId(target)));
      const boundMs = this.options.tickMs * this.options.electionTicks * 3;
      const led = await this.waitForLeader(target, boundMs);
      if (!led) throw new NodeError('TransferFailed', `${target} did not take over within ${boundMs} ms`);
    }
    return { leader: target, term: this.options.rawNode.status().term };
  }

  private waitForLeader(target: string, boundMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.loop?.currentSoftState.leader !== target) return;
        finish(true);
      };
      const finish = (ok: boolean): void => {
        timer.cancel();
        this.leaderWaiters.delete(check);
        resolve(ok);
      };
      const timer = this.options.clock.after(boundMs, () => finish(false));
      this.leaderWaiters.add(check);
      check();
    });
  }

  private onSoftState(previous: SoftState, next: SoftState): void {
    if (previous.role === 'leader' && next.role !== 'leader') {
      this.options.proposals.rejectAll('LeadershipLost', `leadership lost (new role ${next.role})`);
      this.reads.rejectAll(() => new NodeError('NoLeader', 'leadership lost before the read was confirmed'));
      this.readIndexes.clear();
      this.confChanges.rejectAll(
        () => new NodeError('LeadershipLost', 'leadership lost while the membership change was pending'),
      );
    }
    if (next.role === 'leader') this.options.hlc.fenceForLeadership();
    if (next.role === 'leader' && previous.role !== 'leader') this.readiness.observeLeadership();
    else this.readiness.changed();
    for (const check of [...this.leaderWaiters]) check();
    if (previous.leader !== next.leader) {
      const hint = this.leaderHint();
      for (const listener of [...this.leaderListeners]) listener(hint);
    }
  }

  private onHalt(halt: HaltInfo, notify: (halt: HaltInfo) => void): void {
    const message = `apply halted at index ${halt.index}: ${halt.reason}`;
    this.options.proposals.rejectAll('HaltedWhilePending', message);
    this.reads.rejectAll(() => new NodeError('NodeHalted', message));
    this.readIndexes.clear();
    this.confChanges.rejectAll(() => new NodeError('HaltedWhilePending', message));
    this.readiness.changed();
    notify(halt);
  }

  /** Refuses new work and fails what is pending (graceful shutdown). */
  beginShutdown(): void {
    this.closing = true;
    this.readiness.changed();
    this.options.proposals.rejectAll('LeadershipLost', 'the node is shutting down; the proposal may still commit');
    this.reads.rejectAll(() => new NodeError('ShuttingDown', 'the node is shutting down'));
    this.readIndexes.clear();
    this.confChanges.rejectAll(
      () => new NodeError('LeadershipLost', 'the node is shutting down; the change may still commit'),
    );
  }
}
