/**
 * The async shell around the pure RawNode (STYLE.md 1): one Ready at a time,
 * in the order the Raft contract requires —
 *   1. persist: a received snapshot, then entries + hard state (synced) —
 *      a leader's appends and heartbeats leave before this write, in
 *      parallel with it (see earlySendable), everything else after it;
 *   2. send the other messages (only after their entries and votes are durable);
 *   3. apply committed entries (each run of normal entries through the §5.5
 *      pipeline as one store batch;
 *      conf changes through RawNode.applyConfChange, persisting ConfState and
 *      the new member's address);
 *   4. answer ReadIndex waiters whose index is applied;
 *   5. maybe snapshot + compact; then advance().
 * Inputs (ticks, peer messages, proposals) queue in the inbox and run only
 * between Readys. An apply halt (spec §5.4) freezes the loop for good: no more
 * steps, ticks, applies or advance.
 */
import { NodeError } from '../proto/index.js';
import { decodeConfChange, MessageType, type MemoryStorage, type Message } from '../raft/index.js';
import {
  asLogIndex,
  EntryType,
  type ConfState,
  type Entry,
  type HardState,
  type LogIndex,
  type Snapshot,
  type SoftState,
} from '../raft/types.js';
import type { LogStore } from '../storage/index.js';
import type { AddressBook } from './address-book.js';
import { decodeAddressBook } from './address-book.js';
import { decodeConfChangeContext } from './conf-change-context.js';
import { InputQueue } from './input-queue.js';
import type { Logger } from './logger.js';
import type { NodeClock } from './node-clock.js';
import type { ApplyOutcome, ReadyLike, RawNodeLike, StateMachinePort } from './raft-node-port.js';

/** Where the node halted (spec §5.4). */
export interface HaltInfo {
  readonly reason: string;
  readonly index: number;
}

/**
 * Where the loop's time goes per log entry, summed since start (Status
 * reports it; bench:node divides the growth by the entries of a phase):
 * `appendMs` from the start of the Ready that appends an entry to the end
 * of its synced write; `replicationMs` from there to the start of the
 * Ready that commits it (on a leader: waiting for a quorum beyond its own
 * append; 0 when acknowledgements arrived during the write); `commitMs`
 * from the start of that Ready to the end of its apply. Counted for
 * entries this node appended and then saw committed.
 */
export interface EntryStageTimes {
  entries: number;
  appendMs: number;
  replicationMs: number;
  commitMs: number;
}

/** Entries appended but not seen committed yet are timed up to this many (a follower's uncommitted tail). */
const timedEntriesMax = 100_000;

/** Callbacks from the loop to the node. */
export interface RaftLoopEvents {
  sendMessages(messages: readonly Message[]): void;
  softStateChanged(previous: SoftState, next: SoftState): void;
  readStateReady(requestId: string, index: number): void;
  applied(index: number): void;
  confChangeApplied(requestId: string, index: number, confState: ConfState): void;
  halted(halt: HaltInfo): void;
}

/** Construction parameters of the loop. */
export interface RaftLoopOptions {
  readonly rawNode: RawNodeLike;
  readonly storage: MemoryStorage;
  /** The durable log (the real LogStore; tests may pass a recording fake). */
  readonly logStore: Pick<LogStore, 'append' | 'saveSnapshot' | 'setConfState' | 'compact'>;
  readonly stateMachine: StateMachinePort;
  readonly addressBook: AddressBook;
  readonly initialConfState: ConfState;
  readonly snapshotEntries: number;
  readonly snapshotKeepEntries: number;
  readonly inputsMax: number;
  readonly events: RaftLoopEvents;
  readonly logger: Logger;
  /** Times `stageTimes` (monotonic) and the logged snapshot duration (wall). */
  readonly clock: NodeClock;
}

/** The Raft loop of one node. */
export class RaftLoop {
  readonly inbox: InputQueue<RawNodeLike>;
  private softState: SoftState = { leader: null, role: 'follower' };
  private confState: ConfState;
  private haltInfo: HaltInfo | undefined;
  private stopped = false;
  private finished: Promise<void> | undefined;
  private lastSnapshotIndex: number;
  /** The local snapshot being taken in the background, if any. */
  private snapshotting: Promise<void> | undefined;
  /** Why the last background snapshot failed; the loop rethrows it (fatal, as a failed Ready is). */
  private snapshotFailure: Error | undefined;
  /** A commit-index-only hard state not written yet (see persist). */
  private unwrittenHardState: HardState | null = null;
  /** The index of the last committed entry handed to the state machine (applied, or a conf change). */
  private lastCommittedHandled: number;
  /** Per-entry stage times since start (see EntryStageTimes). */
  readonly stageTimes: EntryStageTimes = { entries: 0, appendMs: 0, replicationMs: 0, commitMs: 0 };
  /** When each appended, not yet committed entry's Ready started and its write ended. */
  private readonly appendTimes = new Map<number, { readonly readyAt: number; readonly durableAt: number }>();

  constructor(private readonly options: RaftLoopOptions) {
    this.inbox = new InputQueue(options.inputsMax);
    this.confState = options.initialConfState;
    this.lastSnapshotIndex = options.storage.snapshot().metadata.index;
    this.lastCommittedHandled = this.lastSnapshotIndex;
  }

  get currentSoftState(): SoftState {
    return this.softState;
  }

  get currentConfState(): ConfState {
    return this.confState;
  }

  get halt(): HaltInfo | undefined {
    return this.haltInfo;
  }

  get snapshotIndex(): number {
    return this.lastSnapshotIndex;
  }

  /**
   * Startup replay (spec §8.1 step 5), before `start()`: hands every
   * committed entry up to the durable `commitIndex` through the wired apply
   * pipeline, one Ready at a time exactly as the running loop would, so the
   * after-replay checks (steps 6–9) see the replayed state and a halt on
   * replay is a halt (reported through `events.halted`). Nothing else runs
   * meanwhile: no input is drained. Resolves with the index reached, which
   * is below `commitIndex` only when the node halted.
   */
  async replayCommitted(commitIndex: number): Promise<number> {
    if (this.finished !== undefined) throw new Error('assertion failed: replayCommitted after start()');
    const raw = this.options.rawNode;
    while (this.lastCommittedHandled < commitIndex && this.haltInfo === undefined && raw.hasReady()) {
      await this.handleReady(raw.ready());
      if (this.haltInfo !== undefined) break;
      raw.advance();
    }
    return this.lastCommittedHandled;
  }

  /** Starts the loop; `done()` resolves when it stops (halt, stop, or a fatal error rejects). */
  start(): void {
    this.finished = this.run();
  }

  done(): Promise<void> {
    // Before start() only a snapshot begun by the replay can be in flight (it never rejects).
    return this.finished ?? this.snapshotting ?? Promise.resolve();
  }

  /** Stops after the Ready in progress (if any) is finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.inbox.close(() => new NodeError('ShuttingDown', 'the node is shutting down'));
    await this.done().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const raw = this.options.rawNode;
    try {
      while (!this.stopped && this.haltInfo === undefined) {
        if (this.snapshotFailure !== undefined) throw this.snapshotFailure;
        this.inbox.drain(raw);
        if (raw.hasReady()) {
          await this.handleReady(raw.ready());
          if (this.haltInfo !== undefined) break;
          raw.advance();
          continue;
        }
        await this.inbox.waitForWork();
      }
    } finally {
      // Nothing of the loop's outlives done(): the store may close right after it.
      await this.snapshotting;
      // A clean stop leaves the commit index on disk (a restart replays up to it).
      await this.writeUnwrittenHardState().catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'could not write the last commit index at stop'),
      );
    }
    if (this.snapshotFailure !== undefined && !this.stopped) throw this.snapshotFailure;
  }

  private async handleReady(ready: ReadyLike): Promise<void> {
    const readyAt = this.options.clock.monotonicMs();
    if (ready.softState) this.observeSoftState(ready.softState);
    if (ready.snapshot && ready.snapshot.metadata.index > 0) await this.installSnapshot(ready.snapshot);
    const { early, late } = this.splitMessages(ready);
    if (early.length > 0) this.options.events.sendMessages(early);
    await this.persist(ready);
    if (ready.entries.length > 0) this.timeAppended(ready.entries, readyAt);
    if (late.length > 0) this.options.events.sendMessages(late);
    for (const readState of ready.readStates) this.options.events.readStateReady(readState.requestId, readState.index);
    if (!(await this.applyCommitted(ready.committedEntries))) return;
    if (ready.committedEntries.length > 0) this.timeCommitted(ready.committedEntries, readyAt);
    this.options.events.applied(this.options.stateMachine.appliedIndex());
    this.maybeSnapshot();
  }

  private timeAppended(entries: readonly Entry[], readyAt: number): void {
    if (this.appendTimes.size + entries.length > timedEntriesMax) this.appendTimes.clear();
    const times = { readyAt, durableAt: this.options.clock.monotonicMs() };
    for (const entry of entries) this.appendTimes.set(entry.index, times);
  }

  private timeCommitted(entries: readonly Entry[], readyAt: number): void {
    const appliedAt = this.options.clock.monotonicMs();
    const totals = this.stageTimes;
    for (const entry of entries) {
      const appended = this.appendTimes.get(entry.index);
      if (appended === undefined) continue;
      this.appendTimes.delete(entry.index);
      totals.entries += 1;
      totals.appendMs += appended.durableAt - appended.readyAt;
      totals.replicationMs += Math.max(0, readyAt - appended.durableAt);
      totals.commitMs += appliedAt - Math.max(readyAt, appended.durableAt);
    }
  }

  /**
   * Which of a Ready's messages may leave before its entries and hard state
   * are durable (the leader writing its log in parallel with replicating it,
   * Raft thesis §10.2.1; etcd's Ready contract allows it): a leader's
   * MsgApp and MsgHeartbeat at a term already on disk, when the Ready does
   * not commit any of its own new entries. Why that is safe:
   *  - a follower acknowledges only what it has made durable itself, and
   *    the leader handles that acknowledgement in a later Ready (inputs run
   *    only between Readys), after this Ready's write finished — so an
   *    entry still commits only once the leader's own append is durable;
   *  - the commit index these messages carry covers only entries durable on
   *    the leader, except when a sole voter commits its own new entries in
   *    the Ready that appends them (a learner could then apply an entry the
   *    leader loses in a crash): such a Ready sends nothing early;
   *  - a message at a term not yet on disk (a vote, a step-down) and every
   *    response (MsgAppResp, votes, MsgHeartbeatResp) waits for the write.
   * If the leader crashes before its write, followers may hold entries it
   * lost, as if it had crashed right after sending: ordinary Raft.
   */
  private splitMessages(ready: ReadyLike): { early: readonly Message[]; late: readonly Message[] } {
    const { messages, entries } = ready;
    if (messages.length === 0) return { early: [], late: messages };
    const durable = this.options.storage.initialState().hardState;
    const durableTerm = durable.term;
    const commit = ready.hardState?.commit ?? durable.commit;
    if (entries.length > 0 && commit >= entries[0]!.index) return { early: [], late: messages };
    const early: Message[] = [];
    const late: Message[] = [];
    for (const m of messages) {
      const leaderMessage = m.type === MessageType.Append || m.type === MessageType.Heartbeat;
      (leaderMessage && m.term <= durableTerm && this.softState.role === 'leader' ? early : late).push(m);
    }
    return { early, late };
  }

  private observeSoftState(next: SoftState): void {
    const previous = this.softState;
    this.softState = next;
    if (previous.leader !== next.leader || previous.role !== next.role) {
      this.options.logger.info({ role: next.role, leader: next.leader }, 'raft role changed');
      this.options.events.softStateChanged(previous, next);
    }
  }

  /**
   * Entries and hard state are durable before any message that depends on
   * them is sent. A hard state that changed only its commit index is not
   * written on its own (it was one LevelDB batch per commit): it rides with
   * the next write of the log. Losing it in a crash is harmless — the FSM's
   * durable applied index bounds the commit index at startup
   * (openRaftState), and the leader tells the rest again. It is written at
   * once on a halt (so the replay halts on the same entry) and at a clean stop.
   */
  private async persist(ready: ReadyLike): Promise<void> {
    const { entries } = ready;
    const hardState = ready.hardState ?? null;
    if (entries.length === 0 && !ready.mustSync) {
      if (hardState !== null) {
        this.unwrittenHardState = hardState;
        this.options.storage.setHardState(hardState);
      }
      return;
    }
    await this.options.logStore.append(entries, hardState ?? this.unwrittenHardState, { sync: true });
    this.unwrittenHardState = null;
    this.options.storage.append(entries);
    if (hardState !== null) this.options.storage.setHardState(hardState);
  }

  /** Writes (synced) a commit-index-only hard state that persist() left for later. */
  private async writeUnwrittenHardState(): Promise<void> {
    const hardState = this.unwrittenHardState;
    if (hardState === null) return;
    await this.options.logStore.append([], hardState, { sync: true });
    this.unwrittenHardState = null;
  }

  private async installSnapshot(snapshot: Snapshot): Promise<void> {
    const { index } = snapshot.metadata;
    this.options.logger.info(
      { index, term: snapshot.metadata.term, bytes: snapshot.data.length },
      'installing snapshot',
    );
    // A local snapshot still being written would land after (and below) this one.
    await this.snapshotting;
    if (this.snapshotFailure !== undefined) throw this.snapshotFailure;
    await this.options.logStore.saveSnapshot(snapshot);
    this.options.storage.applySnapshot(snapshot);
    const appBlob = await this.options.stateMachine.restore(snapshot.data);
    this.options.addressBook.merge(decodeAddressBook(appBlob));
    this.confState = snapshot.metadata.confState;
    this.lastSnapshotIndex = index;
  }

  /**
   * Applies a Ready's committed entries in order: each run of normal entries
   * in one batch (one store write) when the state machine takes batches,
   * conf changes one by one between them. False when the node halted.
   */
  private async applyCommitted(entries: readonly Entry[]): Promise<boolean> {
    const applyBatch = this.options.stateMachine.applyNormalBatch?.bind(this.options.stateMachine);
    let start = 0;
    while (start < entries.length) {
      const first = entries[start]!;
      if (first.type === EntryType.ConfChange || applyBatch === undefined) {
        if (!(await this.applyEntry(first))) return false;
        this.lastCommittedHandled = first.index;
        start += 1;
        continue;
      }
      let end = start + 1;
      while (end < entries.length && entries[end]!.type !== EntryType.ConfChange) end += 1;
      const run = entries.slice(start, end);
      const outcome = await applyBatch(run);
      if (outcome.kind === 'halt') {
        // The entries before the halting one are applied (spec §5.4: it is not).
        for (const entry of run) if (entry.index < outcome.index) this.lastCommittedHandled = entry.index;
        await this.haltOn(outcome);
        return false;
      }
      this.lastCommittedHandled = run[run.length - 1]!.index;
      start = end;
    }
    return true;
  }

  /** Applies one committed entry; false when the node halted on it. */
  private async applyEntry(entry: Entry): Promise<boolean> {
    if (entry.type === EntryType.ConfChange) {
      await this.applyConfChangeEntry(entry);
      return true;
    }
    const outcome = await this.options.stateMachine.applyNormal(entry);
    if (outcome.kind === 'applied') return true;
    await this.haltOn(outcome);
    return false;
  }

  private async haltOn(outcome: Extract<ApplyOutcome, { kind: 'halt' }>): Promise<void> {
    // The commit index covering the halting entry is made durable, so a restart's replay halts on it again.
    await this.writeUnwrittenHardState();
    this.haltInfo = { reason: outcome.reason, index: outcome.index };
    this.options.logger.fatal(
      { index: outcome.index, reason: outcome.reason },
      'apply halted (spec §5.4): the applied index stays below this entry',
    );
    this.inbox.close(() => new NodeError('NodeHalted', `apply halted at index ${outcome.index}: ${outcome.reason}`));
    this.options.events.halted(this.haltInfo);
  }

  private async applyConfChangeEntry(entry: Entry): Promise<void> {
    const cc = decodeConfChange(entry.data);
    const context = decodeConfChangeContext(cc.context);
    if (context.address !== '') this.options.addressBook.set(cc.nodeId, context.address);
    const confState = this.options.rawNode.applyConfChange(cc);
    this.confState = confState;
    this.options.storage.setConfState(confState);
    await this.options.logStore.setConfState(confState);
    await this.options.stateMachine.applyConfChange(entry);
    this.options.logger.info(
      {
        index: entry.index,
        change: cc.type,
        member: cc.nodeId,
        voters: confState.voters,
        learners: confState.learners,
      },
      'membership changed',
    );
    this.options.events.confChangeApplied(context.requestId, entry.index, confState);
  }

  /**
   * Every `snapshotEntries` applied entries: snapshot the state machine at the
   * applied index and compact the log, keeping `snapshotKeepEntries` entries
   * behind it so slightly slow followers still catch up from the log. The
   * snapshot is taken in the background (as etcd does): the loop goes on
   * answering heartbeats and appending while megabytes are exported and
   * synced, instead of going silent long enough for a leader to step down
   * or a follower to call an election. One runs at a time.
   */
  private maybeSnapshot(): void {
    if (this.snapshotting !== undefined) return;
    const applied = this.options.stateMachine.appliedIndex();
    if (applied - this.lastSnapshotIndex < this.options.snapshotEntries) return;
    // Taken now, with the state machine at `applied`: its export is queued before any later apply.
    const confState = this.confState;
    const exported = this.options.stateMachine.snapshot(this.options.addressBook.encode());
    const started = this.options.clock.nowMs();
    this.snapshotting = this.saveLocalSnapshot(applied, confState, exported, started)
      .catch((error: unknown) => {
        this.snapshotFailure = error instanceof Error ? error : new Error(String(error));
        this.options.logger.error({ index: applied, err: this.snapshotFailure }, 'snapshot failed');
        this.inbox.signal();
      })
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  private async saveLocalSnapshot(
    applied: number,
    confState: ConfState,
    exported: Promise<Uint8Array>,
    started: number,
  ): Promise<void> {
    const data = await exported;
    const snapshot = this.options.storage.createSnapshot(asLogIndex(applied), confState, data);
    await this.options.logStore.saveSnapshot(snapshot);
    this.lastSnapshotIndex = applied;
    const compactIndex: LogIndex = asLogIndex(applied - this.options.snapshotKeepEntries);
    if (compactIndex >= this.options.storage.firstIndex()) {
      this.options.storage.compact(compactIndex);
      await this.options.logStore.compact(compactIndex);
    }
    this.options.logger.info(
      {
        index: applied,
        bytes: data.length,
        compactedTo: compactIndex,
        durationMs: this.options.clock.nowMs() - started,
      },
      'snapshot taken',
    );
  }
}
