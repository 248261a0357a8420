/**
 * Executes nemesis actions against a started cluster and records each as a
 * pair of nemesis ops in the history (Jepsen's form: both `info`, the first
 * carrying the planned action, the second what was actually done or the
 * error). It remembers what it broke so `heal-all` can undo everything.
 *
 * Actions come from two sources — the random schedule of the plan and the
 * faults a rollout step aims at itself — and the rollout process also
 * restarts nodes; all of it runs through one queue, one thing at a time, so a
 * scheduled restart never races a stage upgrade. The rollout process can hold
 * fault kinds off (spec §8.2's operator rules around rotations): a scheduled
 * start of a held kind is recorded as skipped instead of run.
 */
import { performance } from 'node:perf_hooks';
import type {
  ClockSkewable,
  ExitExpecting,
  Killable,
  LinkDegradable,
  Partitionable,
  Pausable,
  StartedCluster,
} from '../cluster/cluster-backend.js';
import type { HistoryOp, JsonValue, OpDraft } from '../history/op.js';
import { grudgeToMap, isolateGrudge } from './grudges.js';
import { faultCapabilityOfAction } from './fault-catalogue.js';
import type { FaultCapability } from './fault-catalogue.js';
import type { GrudgeRecord, NemesisAction, NodeTarget } from './nemesis-action.js';

/** Where an action comes from: the plan's random schedule, or a fault aimed at a rollout step. */
export type ActionSource = 'schedule' | 'trigger';

/** The fault kinds an action ends (`heal-all`: every kind). */
function endedCapabilities(action: NemesisAction): FaultCapability[] {
  switch (action.f) {
    case 'stop-partition':
      return ['partition'];
    case 'restart':
      return ['kill'];
    case 'resume':
      return ['pause'];
    case 'clock-reset':
      return ['clock'];
    case 'stop-latency':
    case 'stop-link-resets':
      return ['latency'];
    case 'heal-all':
      return ['partition', 'kill', 'pause', 'clock', 'latency'];
    case 'start-partition':
    case 'kill':
    case 'pause':
    case 'clock-bump':
    case 'clock-strobe':
    case 'start-latency':
    case 'start-link-resets':
    case 'restart-with-flags':
      return [];
  }
}

/** The cluster surface the nemesis drives. */
export type NemesisCluster = StartedCluster &
  Killable &
  Pausable &
  Partitionable &
  Partial<LinkDegradable> &
  Partial<ClockSkewable> &
  Partial<ExitExpecting>;

export interface NemesisExecutorOptions {
  readonly cluster: NemesisCluster;
  /** Asks the nodes who leads (null when nobody does). */
  readonly findLeader: () => Promise<string | null>;
  readonly record: (draft: OpDraft) => HistoryOp;
  /** Called with a short description of the active faults whenever they change (progress display). */
  readonly onFaultsChanged?: (active: readonly string[]) => void;
  /**
   * How long a leader-targeted fault waits for a leader to be elected (default 3 s). A
   * scheduled one that finds none is deferred and tried again every `leaderRetryMs`
   * (default 1 s) until a leader is agreed or the run ends; one aimed at a rollout step fails.
   */
  readonly leaderWaitMs?: number;
  readonly leaderRetryMs?: number;
}

const leaderWaitDefaultMs = 3_000;
const leaderRetryDefaultMs = 1_000;
const leaderPollMs = 200;
const noLeaderWhy = 'no leader agreed by a majority';

/** The leader target of a start action, if it has one (a partition without grudge or target isolates the leader). */
function leaderTarget(action: NemesisAction): boolean {
  if (action.f === 'start-partition')
    return action.grudge === undefined && (action.target === undefined || 'leader' in action.target);
  if (action.f === 'kill' || action.f === 'pause') return 'leader' in action.target;
  return false;
}

/** `action` aimed at `leader` instead of whoever leads at run time. */
function aimedAt(action: NemesisAction, leader: string): NemesisAction {
  if (action.f === 'start-partition' || action.f === 'kill' || action.f === 'pause')
    return { ...action, target: { nodes: [leader] } };
  return action;
}

/** A scheduled fault start held off by a rollout step. */
interface DeferredStart {
  readonly action: NemesisAction;
  readonly sinceMs: number;
  /** Set when it waits for a leader to target rather than for a hold to end. */
  waitingForLeader: boolean;
  /** Its planned end, once that came while the start still waited, and when after the start it was due. */
  end: { readonly action: NemesisAction; readonly afterMs: number } | null;
  /** Handed to the queue of actions: no longer skippable, though still waiting to run. */
  started: boolean;
}

/** Runs nemesis actions one at a time, in the order they are handed in. */
export class NemesisExecutor {
  private readonly active = new Map<string, string>();
  private strobeTimer: NodeJS.Timeout | null = null;
  private resetTimer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly retired = new Set<string>();
  private readonly holds = new Map<number, { readonly kinds: readonly FaultCapability[]; readonly why: string }>();
  private nextHold = 0;
  /** Scheduled starts held off, per kind in order, each with its planned end once that came (and how long after the start it was due). */
  private readonly deferred = new Map<FaultCapability, DeferredStart[]>();
  /** Ends of released deferred faults waiting out their planned duration; drain() runs them at once. */
  private readonly pendingEnds = new Set<{ readonly timer: NodeJS.Timeout; readonly fire: () => void }>();
  /** The next try of the starts deferred for want of a leader. */
  private leaderRetryTimer: NodeJS.Timeout | null = null;
  /** Kinds whose deferred starts are being run, in order, by runDeferred, and that run. */
  private readonly draining = new Map<FaultCapability, Promise<void>>();
  /** Set by drain(): released faults end at once instead of after their planned duration. */
  private ending = false;
  /** Scheduled starts that ran without their end, per kind: the next scheduled end of the kind is theirs. */
  private readonly endsOwed = new Map<FaultCapability, number>();

  constructor(private readonly options: NemesisExecutorOptions) {}

  /**
   * Runs one action after those queued before it and records it; a failing
   * action is recorded with its error, never thrown. A scheduled start of a
   * held fault kind is deferred (the call returns at once, so the schedule
   * behind it keeps its times): it runs when the hold ends — late, and says
   * so — and when its planned end came meanwhile, that end follows it after
   * the fault's planned duration, so every scheduled fault still happens.
   * `drain()` waits for what is queued.
   */
  async run(action: NemesisAction, source: ActionSource = 'schedule'): Promise<void> {
    if (source === 'schedule') {
      const kind = faultCapabilityOfAction(action);
      if (kind !== null && (this.heldBy(action) !== undefined || (this.deferred.get(kind)?.length ?? 0) > 0)) {
        this.defer(action, kind);
        return;
      }
      if (action.f === 'heal-all') {
        // The main phase is over: what is still held off is skipped, what runs ends with the heal.
        this.cancelDeferred([...this.deferred.keys()]);
        for (const end of [...this.pendingEnds]) end.fire();
        this.endsOwed.clear();
      }
      // An end belongs to the oldest start of its kind that has not ended: one that ran (it ends now),
      // else one still deferred (it waits for that start, and its duration). A deferred start stays in
      // its queue until it ran, so an end arriving while the queue drains is never run before it.
      const ended = endedCapabilities(action);
      const owedNow = ended.filter((k) => (this.endsOwed.get(k) ?? 0) > 0);
      for (const k of owedNow) this.endsOwed.set(k, (this.endsOwed.get(k) ?? 0) - 1);
      const waitingKinds =
        owedNow.length > 0 ? [] : ended.filter((k) => this.deferred.get(k)?.some((d) => d.end === null));
      if (waitingKinds.length > 0) {
        for (const k of waitingKinds) {
          const start = this.deferred.get(k)!.find((d) => d.end === null)!;
          start.end = { action, afterMs: Math.max(0, performance.now() - start.sinceMs) };
        }
        return;
      }
    }
    const kind = faultCapabilityOfAction(action);
    const ran = await this.exclusive(() => this.runNow(action, source, 0));
    if (!ran && kind !== null) {
      this.deferred.set(kind, [
        { action, sinceMs: performance.now(), end: null, waitingForLeader: true, started: false },
        ...(this.deferred.get(kind) ?? []),
      ]);
      this.retryForLeaderLater();
    } else if (source === 'schedule' && kind !== null) this.owe(kind, action);
  }

  private defer(action: NemesisAction, kind: FaultCapability): void {
    const queue = this.deferred.get(kind) ?? [];
    queue.push({ action, sinceMs: performance.now(), end: null, waitingForLeader: false, started: false });
    this.deferred.set(kind, queue);
  }

  /** A scheduled start of `kind` ran and its end is still to come (a restart-with-flags is its own end). */
  private owe(kind: FaultCapability, action: NemesisAction): void {
    if (action.f === 'restart-with-flags') return;
    this.endsOwed.set(kind, (this.endsOwed.get(kind) ?? 0) + 1);
  }

  /** Tries the starts deferred for want of a leader again after `leaderRetryMs`. */
  private retryForLeaderLater(): void {
    if (this.leaderRetryTimer !== null) return;
    this.leaderRetryTimer = setTimeout(() => {
      this.leaderRetryTimer = null;
      this.releaseDeferred();
    }, this.options.leaderRetryMs ?? leaderRetryDefaultMs);
  }

  /** Skips deferred starts of these kinds (the run is ending), recorded as skipped. */
  private cancelDeferred(kinds: readonly FaultCapability[]): void {
    for (const kind of kinds) {
      const waiting = this.deferred.get(kind) ?? [];
      this.deferred.delete(kind);
      for (const start of waiting) {
        // One already handed to the queue of actions runs (or is skipped by runNow if held again).
        if (start.started) continue;
        const why = start.waitingForLeader
          ? `${noLeaderWhy} until the run ended`
          : (this.heldBy(start.action) ?? 'a rollout step (its hold lasted until the run ended)');
        void this.exclusive(() => this.recordSkipped(start.action, why));
      }
    }
  }

  /** Starts deferred faults whose hold ended, each kind's in order, each end after its planned duration. */
  private releaseDeferred(): void {
    for (const [kind, queue] of [...this.deferred]) {
      const first = queue[0];
      if (first === undefined || this.draining.has(kind) || this.heldBy(first.action) !== undefined) continue;
      this.draining.set(
        kind,
        this.runDeferred(kind).finally(() => this.draining.delete(kind)),
      );
    }
  }

  /**
   * Runs the deferred starts of `kind` in order, each followed by its end when that came while it
   * waited. The queue stays visible in `deferred` while it drains: a start of the kind scheduled
   * meanwhile queues behind it, and an end scheduled meanwhile attaches to the start it belongs to
   * instead of running before that start.
   */
  private async runDeferred(kind: FaultCapability): Promise<void> {
    for (;;) {
      const start = this.deferred.get(kind)?.[0];
      if (start === undefined) return;
      // Held again meanwhile: the rest waits for that hold.
      if (this.heldBy(start.action) !== undefined) return;
      start.started = true;
      const deferredMs = Math.round(performance.now() - start.sinceMs);
      const ran = await this.exclusive(() => this.runNow(start.action, 'schedule', deferredMs));
      if (!ran) {
        // Still no leader: this start and the rest of the kind wait for the next try.
        start.started = false;
        start.waitingForLeader = true;
        this.retryForLeaderLater();
        return;
      }
      const end = start.end;
      if (end === null) {
        // Its end comes later through run(), as planned.
        this.owe(kind, start.action);
      } else {
        if (!this.ending)
          await new Promise<void>((resolve) => {
            const entry = { timer: setTimeout(() => fire(), end.afterMs), fire: () => fire() };
            const fire = (): void => {
              if (!this.pendingEnds.delete(entry)) return;
              clearTimeout(entry.timer);
              resolve();
            };
            this.pendingEnds.add(entry);
          });
        await this.exclusive(() => this.runNow(end.action, 'schedule', deferredMs));
      }
      // Only now does it leave the queue: until its end ran, starts of the kind scheduled meanwhile wait behind it.
      const queue = this.deferred.get(kind);
      const at = queue?.indexOf(start) ?? -1;
      if (queue !== undefined && at >= 0) {
        queue.splice(at, 1);
        if (queue.length === 0) this.deferred.delete(kind);
      }
    }
  }

  private async recordSkipped(action: NemesisAction, why: string): Promise<void> {
    const { f, ...planned } = action;
    this.options.record({ process: 'nemesis', type: 'info', f, value: planned });
    this.options.record({ process: 'nemesis', type: 'info', f, value: { skipped: why } });
  }

  /** Waits until every queued action is done; deferred starts still held are skipped, released faults end now. */
  async drain(): Promise<void> {
    if (this.leaderRetryTimer !== null) clearTimeout(this.leaderRetryTimer);
    this.leaderRetryTimer = null;
    this.ending = true;
    this.cancelDeferred([...this.deferred.keys()]);
    for (const end of [...this.pendingEnds]) end.fire();
    // A released start still in the action queue runs, and its end right after it.
    await Promise.all([...this.draining.values()]);
    await this.exclusive(async () => undefined);
    // An end fired above queues behind the work awaited: wait for that too.
    await new Promise((resolve) => setImmediate(resolve));
    await this.exclusive(async () => undefined);
  }

  /**
   * Runs `work` with the cluster to itself (no nemesis action in between);
   * the rollout process restarts and upgrades nodes through it. Rejections
   * reach the caller; the queue goes on.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Holds off scheduled starts of these fault kinds until the returned release is called. */
  hold(kinds: readonly FaultCapability[], why: string): () => void {
    const id = this.nextHold++;
    this.holds.set(id, { kinds, why });
    return () => {
      this.holds.delete(id);
      this.releaseDeferred();
    };
  }

  /** True while a fault of one of these kinds is in effect: a member down (killed or exited), paused, a partition, … */
  isActive(kinds: readonly FaultCapability[]): boolean {
    const members = this.options.cluster.nodes().filter((n) => !this.retired.has(n.id));
    return kinds.some((kind) => {
      switch (kind) {
        case 'kill':
          return members.some((n) => !n.running);
        case 'pause':
          return members.some((n) => n.paused);
        case 'latency':
          return this.active.has('latency') || this.active.has('link-reset');
        case 'partition':
        case 'clock':
          return this.active.has(kind);
      }
    });
  }

  /** A node the rollout removed from the cluster: no heal or restart starts it again. */
  retire(id: string): void {
    this.retired.add(id);
  }

  /**
   * Runs `action` and records it (planned, then done or its error); true unless it is a
   * scheduled leader-targeted start that found no leader, which records nothing: the caller
   * defers it and tries again (a run under kills and partitions has gaps without a leader,
   * and a requested fault that silently never happens would prove nothing).
   */
  private async runNow(action: NemesisAction, source: ActionSource, deferredMs: number): Promise<boolean> {
    const { f, ...planned } = action;
    const held = source === 'schedule' ? this.heldBy(action) : undefined;
    let applied = action;
    if (held === undefined && source === 'schedule' && leaderTarget(action)) {
      const leader = await this.leaderWithin(this.options.leaderWaitMs ?? leaderWaitDefaultMs);
      if (leader === null) return false;
      applied = aimedAt(action, leader);
    }
    this.options.record({
      process: 'nemesis',
      type: 'info',
      f,
      value: { ...planned, ...(source === 'trigger' ? { source } : {}), ...(deferredMs > 0 ? { deferredMs } : {}) },
    });
    if (held !== undefined) {
      this.options.record({ process: 'nemesis', type: 'info', f, value: { skipped: held } });
      return true;
    }
    try {
      const done = await this.apply(applied);
      this.options.record({ process: 'nemesis', type: 'info', f, value: done });
    } catch (error) {
      this.options.record({
        process: 'nemesis',
        type: 'info',
        f,
        value: null,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.options.onFaultsChanged?.([...this.active.values()]);
    return true;
  }

  /** Why a scheduled start is held off, or undefined. Ends of faults are never held. */
  private heldBy(action: NemesisAction): string | undefined {
    const kind = faultCapabilityOfAction(action);
    if (kind === null) return undefined;
    for (const hold of this.holds.values()) if (hold.kinds.includes(kind)) return hold.why;
    return undefined;
  }

  /** Faults currently in effect, for progress output. */
  activeFaults(): readonly string[] {
    return [...this.active.values()];
  }

  private async resolveTarget(target: NodeTarget): Promise<string[]> {
    if ('stepNode' in target)
      throw new Error('a stepNode target must be resolved by the rollout process before the action runs');
    if ('nodes' in target) return [...target.nodes];
    const leader = await this.leaderWithin(this.options.leaderWaitMs ?? leaderWaitDefaultMs);
    if (leader === null) throw new Error('no leader to target');
    return [leader];
  }

  /** The agreed leader; right after a fault (a kill, a heal) an election may be running, so it waits for the winner up to `waitMs`. */
  private async leaderWithin(waitMs: number): Promise<string | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const leader = await this.options.findLeader();
      if (leader !== null || Date.now() >= deadline) return leader;
      await new Promise((resolve) => setTimeout(resolve, leaderPollMs));
    }
  }

  private async apply(action: NemesisAction): Promise<JsonValue> {
    const cluster = this.options.cluster;
    switch (action.f) {
      case 'start-partition': {
        let grudge: GrudgeRecord | undefined = action.grudge;
        if (grudge === undefined) {
          const [isolated] = await this.resolveTarget(action.target ?? { leader: true });
          if (isolated === undefined) throw new Error('no node to isolate');
          grudge = isolateGrudge(
            cluster.nodes().map((n) => n.id),
            isolated,
          );
        }
        await cluster.partition(grudgeToMap(grudge));
        this.active.set('partition', `partition ${action.shape}`);
        return { shape: action.shape, grudge };
      }
      case 'stop-partition':
        await cluster.heal();
        this.active.delete('partition');
        return 'healed';
      case 'kill': {
        const nodes = (await this.resolveTarget(action.target)).filter((id) => !this.retired.has(id));
        for (const id of nodes) await cluster.kill(id);
        this.active.set('kill', `killed ${nodes.join(',')}`);
        return { nodes };
      }
      case 'restart':
        this.active.delete('kill');
        return { nodes: await this.restartStopped() };
      case 'pause': {
        const nodes = (await this.resolveTarget(action.target)).filter(
          (id) => !this.retired.has(id) && cluster.node(id).running,
        );
        for (const id of nodes) await cluster.pause(id);
        this.active.set('pause', `paused ${nodes.join(',')}`);
        return { nodes };
      }
      case 'resume':
        this.active.delete('pause');
        return { nodes: await this.resumePaused() };
      case 'clock-bump':
        await this.setClocks(action.nodes, action.offsetMs);
        this.active.set(
          'clock',
          `clock ${action.offsetMs > 0 ? '+' : ''}${action.offsetMs / 1000}s on ${action.nodes.join(',')}`,
        );
        return { nodes: [...action.nodes], offsetMs: action.offsetMs };
      case 'clock-strobe':
        this.startStrobe(action.nodes, action.offsetMs, action.periodMs, action.durationMs);
        this.active.set('clock', `clock strobe ±${action.offsetMs / 1000}s on ${action.nodes.join(',')}`);
        return { nodes: [...action.nodes], offsetMs: action.offsetMs, periodMs: action.periodMs };
      case 'clock-reset':
        await this.resetClocks();
        return 'reset';
      case 'start-latency':
        await this.setLatency(action.delayMs);
        this.active.set('latency', `latency ${action.delayMs}ms`);
        return { delayMs: action.delayMs };
      case 'stop-latency':
        await this.setLatency(0);
        this.active.delete('latency');
        return { delayMs: 0 };
      case 'start-link-resets':
        this.startLinkResets(action.periodMs);
        this.active.set('link-reset', `connection resets every ${action.periodMs}ms`);
        return { periodMs: action.periodMs };
      case 'stop-link-resets':
        this.stopLinkResets();
        this.active.delete('link-reset');
        return 'stopped';
      case 'restart-with-flags':
        await cluster.kill(action.node);
        await cluster.start(action.node, action.flags);
        return { node: action.node, flags: [...action.flags] };
      case 'heal-all':
        return this.healAll();
    }
  }

  /** Undoes every fault: partitions, pauses, kills, clocks, latency. */
  private async healAll(): Promise<JsonValue> {
    const cluster = this.options.cluster;
    this.stopLinkResets();
    await cluster.heal();
    const resumed = await this.resumePaused();
    const restarted = await this.restartStopped();
    if (cluster.resetClocks !== undefined) await this.resetClocks();
    if (cluster.setLatency !== undefined && this.active.has('latency')) await this.setLatency(0);
    this.active.clear();
    return { resumed, restarted };
  }

  private async restartStopped(): Promise<string[]> {
    const cluster = this.options.cluster;
    const stopped = cluster
      .nodes()
      .filter((n) => !n.running && !this.retired.has(n.id))
      .map((n) => n.id);
    for (const id of stopped) await cluster.start(id);
    return stopped;
  }

  private async resumePaused(): Promise<string[]> {
    const cluster = this.options.cluster;
    const paused = cluster
      .nodes()
      .filter((n) => n.paused)
      .map((n) => n.id);
    for (const id of paused) await cluster.resume(id);
    return paused;
  }

  private async setClocks(nodes: readonly string[], offsetMs: number): Promise<void> {
    const setClockOffset = this.options.cluster.setClockOffset?.bind(this.options.cluster);
    if (setClockOffset === undefined) throw new Error('this backend cannot skew clocks');
    for (const id of nodes) await setClockOffset(id, offsetMs);
  }

  private startStrobe(nodes: readonly string[], offsetMs: number, periodMs: number, durationMs: number): void {
    this.stopStrobe();
    let skewed = false;
    const endAt = Date.now() + durationMs;
    // Flip between real time and the offset every period until the fault ends (clock-reset) or its duration passes.
    this.strobeTimer = setInterval(() => {
      if (Date.now() >= endAt) return this.stopStrobe();
      skewed = !skewed;
      void this.setClocks(nodes, skewed ? offsetMs : 0).catch(() => undefined);
    }, periodMs);
    this.strobeTimer.unref();
  }

  private stopStrobe(): void {
    if (this.strobeTimer !== null) clearInterval(this.strobeTimer);
    this.strobeTimer = null;
  }

  private async resetClocks(): Promise<void> {
    this.stopStrobe();
    const resetClocks = this.options.cluster.resetClocks?.bind(this.options.cluster);
    if (resetClocks === undefined) throw new Error('this backend cannot skew clocks');
    await resetClocks();
    this.active.delete('clock');
  }

  private async setLatency(delayMs: number): Promise<void> {
    const cluster = this.options.cluster;
    const setLatency = cluster.setLatency?.bind(cluster);
    if (setLatency === undefined) throw new Error('this backend cannot add latency');
    const ids = cluster.nodes().map((n) => n.id);
    for (const from of ids) for (const to of ids) if (from !== to) await setLatency(from, to, delayMs);
  }

  private startLinkResets(periodMs: number): void {
    const cluster = this.options.cluster;
    const resetConnections = cluster.resetConnections?.bind(cluster);
    if (resetConnections === undefined) throw new Error('this backend cannot reset connections');
    this.stopLinkResets();
    const ids = cluster.nodes().map((n) => n.id);
    this.resetTimer = setInterval(() => {
      for (const from of ids)
        for (const to of ids) if (from !== to) void resetConnections(from, to).catch(() => undefined);
    }, periodMs);
    this.resetTimer.unref();
  }

  private stopLinkResets(): void {
    if (this.resetTimer !== null) clearInterval(this.resetTimer);
    this.resetTimer = null;
  }

  /** Stops background timers (strobe, link resets); idempotent. */
  dispose(): void {
    this.deferred.clear();
    for (const end of [...this.pendingEnds]) clearTimeout(end.timer);
    this.pendingEnds.clear();
    this.stopStrobe();
    this.stopLinkResets();
  }
}
