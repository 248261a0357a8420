/**
 * Executes a plan in real time: each event waits for its virtual time (as an
 * offset from the run's start); client ops go to a free worker (the one they
 * are bound to, or any worker of the node they name), nemesis actions run in
 * plan order through the executor, and the rollout process starts on its
 * program and runs alongside. The final phase starts only when every
 * main-phase op and fault action has finished and the rollout has ended
 * (bounded: a rollout still running then is aborted, and the availability
 * checker reports its step). `await` items wait with every client idle. An op
 * that finds every worker busy runs late (counted); a main-phase op that could
 * only start after the main phase's planned end is skipped (counted), so a
 * slow system cannot stretch the time limit.
 */
import type { NemesisExecutor } from '../nemesis/nemesis-executor.js';
import type { Plan, PhaseName } from '../plan/plan.js';
import type { RolloutProgram } from '../rollout/rollout-program.js';
import type { RolloutReport } from '../rollout/rollout-runner.js';
import type { ClusterCondition } from '../workload/workload.js';
import type { ClientWorker } from './client-worker.js';

export interface PlanRunnerOptions {
  readonly plan: Plan;
  readonly workers: readonly ClientWorker[];
  readonly nemesis: NemesisExecutor;
  /** Milliseconds since the run started (monotonic). */
  readonly elapsedMs: () => number;
  readonly signal: AbortSignal;
  readonly onPhase?: (phase: PhaseName) => void;
  /** Health check before the final phase (e.g. wait for a leader after the heal); its failure is reported, not fatal. */
  readonly beforeFinal?: () => Promise<void>;
  /** Waits (bounded) for a cluster condition; a miss is reported, not fatal. */
  readonly awaitCondition?: (condition: ClusterCondition, boundMs: number) => Promise<void>;
  /** The rollout process: runs a program until it ends or `stop` is called. */
  readonly rollout?: {
    readonly run: (program: RolloutProgram) => Promise<RolloutReport>;
    /** Cancels faults aimed at steps (at the final heal). */
    readonly endTriggers: () => void;
    /** Aborts the program (it outlived its drain window). */
    readonly abort: () => void;
    /** How long the final phase waits for a running rollout after the heal. */
    readonly drainMs: number;
  };
}

export interface PlanRunReport {
  /** Client ops of the main phase in the plan. */
  readonly opsPlanned: number;
  /** Client ops dispatched (all phases). */
  readonly opsDispatched: number;
  /** Main-phase ops dispatched more than `lateThresholdMs` after their planned time, for either reason below. */
  readonly opsLate: number;
  /**
   * Of those, the ops the harness itself was late for: the lag left after subtracting the time the
   * dispatcher spent waiting for a busy worker (back-pressure from the system under test) since it
   * was last on schedule — timer and event-loop lag, a starved harness.
   */
  readonly opsLateByHarness: number;
  readonly lateThresholdMs: number;
  readonly maxLagMs: number;
  /** Main-phase ops not issued because the main phase was already over when a worker came free. */
  readonly opsSkipped: number;
  /** Of those, the ops skipped because the harness itself lagged (not because every worker was busy). */
  readonly opsSkippedByHarness: number;
  /** Main-phase ops dispatched per second of the main phase's wall time, against the plan's. */
  readonly achievedOpsPerSecond: number;
  readonly plannedOpsPerSecond: number;
  readonly interrupted: boolean;
  /** How the rollout program ended; null without one. */
  readonly rollout: RolloutReport | null;
}

const lateThresholdMs = 100;

/** Runs the plan to its end (or until `signal` aborts), then waits for in-flight work. */
export async function runPlan(options: PlanRunnerOptions): Promise<PlanRunReport> {
  const pool = new WorkerPool(options.workers);
  let nemesisChain: Promise<void> = Promise.resolve();
  let rolloutRun: Promise<RolloutReport> | null = null;
  let rolloutReport: RolloutReport | null = null;
  let opsDispatched = 0;
  let opsLate = 0;
  let opsLateByHarness = 0;
  // Time spent waiting for busy workers (or deliberate waits) since the dispatcher was last on schedule.
  let waitedSinceOnScheduleMs = 0;
  let maxLagMs = 0;
  let opsSkipped = 0;
  let opsSkippedByHarness = 0;
  let mainDispatched = 0;
  let mainEndedAtMs: number | null = null;
  const mainEndMs =
    options.plan.events.find((e) => e.value.kind === 'phase' && e.value.name === 'heal')?.atMs ?? Infinity;
  // Schedule health is about the main phase's load: final-phase ops are planned all at once and queue by design.
  const opsPlanned = options.plan.events.filter((e) => e.value.kind === 'op' && e.atMs < mainEndMs).length;
  const settle = async (): Promise<void> => {
    await nemesisChain;
    await options.nemesis.drain();
    await pool.whenAllIdle();
  };
  for (const event of options.plan.events) {
    if (options.signal.aborted) break;
    if (await sleepUntil(event.atMs, options)) waitedSinceOnScheduleMs = 0;
    if (options.signal.aborted) break;
    const item = event.value;
    switch (item.kind) {
      case 'phase':
        if (item.name === 'heal') {
          mainEndedAtMs = options.elapsedMs();
          options.rollout?.endTriggers();
        }
        if (item.name === 'final') {
          // Final ops must observe the healed, settled system: nothing from before may still run.
          const settleStartMs = options.elapsedMs();
          await settle();
          if (rolloutRun !== null) rolloutReport = await drainRollout(rolloutRun, options);
          await options.beforeFinal?.();
          waitedSinceOnScheduleMs += options.elapsedMs() - settleStartMs;
        }
        options.onPhase?.(item.name);
        break;
      case 'nemesis': {
        const action = item.action;
        nemesisChain = nemesisChain.then(() => options.nemesis.run(action));
        break;
      }
      case 'rollout':
        if (options.rollout === undefined)
          throw new Error('the plan has a rollout program but the run has no rollout process');
        rolloutRun = options.rollout.run(item.program);
        break;
      case 'await': {
        const awaitStartMs = options.elapsedMs();
        await settle();
        await options.awaitCondition?.(item.condition, item.boundMs);
        waitedSinceOnScheduleMs += options.elapsedMs() - awaitStartMs;
        break;
      }
      case 'op': {
        const acquireStartMs = options.elapsedMs();
        const worker = await pool.acquire({ thread: event.thread, node: item.op.node }, options.signal);
        waitedSinceOnScheduleMs += options.elapsedMs() - acquireStartMs;
        if (worker === null) break;
        if (event.atMs < mainEndMs && options.elapsedMs() >= mainEndMs) {
          opsSkipped += 1;
          if (options.elapsedMs() - event.atMs - waitedSinceOnScheduleMs > lateThresholdMs) opsSkippedByHarness += 1;
          pool.release(worker);
          break;
        }
        if (event.atMs < mainEndMs) {
          mainDispatched += 1;
          const lagMs = options.elapsedMs() - event.atMs;
          maxLagMs = Math.max(maxLagMs, lagMs);
          if (lagMs > lateThresholdMs) opsLate += 1;
          if (lagMs - waitedSinceOnScheduleMs > lateThresholdMs) opsLateByHarness += 1;
        }
        opsDispatched += 1;
        void worker.run(item.op).finally(() => pool.release(worker));
        break;
      }
    }
  }
  await settle();
  if (rolloutRun !== null && rolloutReport === null) {
    options.rollout?.abort();
    rolloutReport = await rolloutRun;
  }
  const mainSeconds = ((mainEndedAtMs ?? options.elapsedMs()) || 1) / 1000;
  const perSecond = (n: number): number => Math.round((n / mainSeconds) * 10) / 10;
  return {
    opsPlanned,
    opsDispatched,
    opsLate,
    opsLateByHarness,
    lateThresholdMs,
    maxLagMs: Math.round(maxLagMs),
    opsSkipped,
    opsSkippedByHarness,
    achievedOpsPerSecond: perSecond(mainDispatched),
    plannedOpsPerSecond:
      Number.isFinite(mainEndMs) && mainEndMs > 0 ? Math.round((opsPlanned / (mainEndMs / 1000)) * 10) / 10 : 0,
    interrupted: options.signal.aborted,
    rollout: rolloutReport,
  };
}

/** Waits for the rollout to end, at most its drain window; then aborts it and waits for the abort. */
async function drainRollout(run: Promise<RolloutReport>, options: PlanRunnerOptions): Promise<RolloutReport> {
  const rollout = options.rollout;
  if (rollout === undefined) return run;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), rollout.drainMs);
  });
  const first = await Promise.race([run, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  rollout.abort();
  return run;
}

/** Sleeps until `atMs`; true when it had to sleep (the dispatcher was ahead of, i.e. on, schedule). */
async function sleepUntil(atMs: number, options: PlanRunnerOptions): Promise<boolean> {
  const waitMs = atMs - options.elapsedMs();
  if (waitMs <= 0) return false;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, waitMs);
    options.signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', done);
      resolve();
    }
  });
  return true;
}

/** Hands out idle workers; waiters are woken whenever a worker is released. */
class WorkerPool {
  private waiters: (() => void)[] = [];
  private nextAny = 0;

  constructor(private readonly workers: readonly ClientWorker[]) {}

  /** An idle worker: the thread's own, one of `node`'s, or any (rotating, so ops spread over nodes). */
  async acquire(
    binding: { readonly thread?: number | undefined; readonly node?: string | undefined },
    signal: AbortSignal,
  ): Promise<ClientWorker | null> {
    if (binding.node !== undefined && !this.workers.some((w) => w.node === binding.node))
      throw new Error(`plan routes an op to node ${binding.node}, but no client talks to it`);
    for (;;) {
      if (signal.aborted) return null;
      const worker = binding.thread !== undefined ? this.bound(binding.thread) : this.anyIdle(binding.node);
      if (worker !== null && !worker.busy) {
        worker.busy = true;
        return worker;
      }
      await this.changed(signal);
    }
  }

  private bound(thread: number): ClientWorker {
    const worker = this.workers[thread];
    if (worker === undefined)
      throw new Error(`plan binds an op to thread ${thread}, but there are ${this.workers.length}`);
    return worker;
  }

  private anyIdle(node: string | undefined): ClientWorker | null {
    for (let i = 0; i < this.workers.length; i += 1) {
      const worker = this.workers[(this.nextAny + i) % this.workers.length] as ClientWorker;
      if (!worker.busy && (node === undefined || worker.node === node)) {
        this.nextAny = (worker.thread + 1) % this.workers.length;
        return worker;
      }
    }
    return null;
  }

  release(worker: ClientWorker): void {
    worker.busy = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  async whenAllIdle(): Promise<void> {
    while (this.workers.some((w) => w.busy)) await this.changed();
  }

  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.push(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}
