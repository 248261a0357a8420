/**
 * Executes a plan in real time: each event waits for its virtual time (as an
 * offset from the run's start); client ops go to a free worker (or the one
 * they are bound to), nemesis actions run one at a time in plan order, and
 * the final phase starts only when every main-phase op and fault action has
 * finished. An op that finds every worker busy runs late (counted); a
 * main-phase op that could only start after the main phase's planned end is
 * skipped (counted), so a slow system cannot stretch the time limit.
 */
import type { NemesisExecutor } from '../nemesis/nemesis-executor.js';
import type { Plan, PhaseName } from '../plan/plan.js';
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
}

export interface PlanRunReport {
  readonly opsDispatched: number;
  /** Ops dispatched more than `lateThresholdMs` after their planned time (all workers were busy). */
  readonly opsLate: number;
  readonly maxLagMs: number;
  /** Main-phase ops not issued because the main phase was already over when a worker came free. */
  readonly opsSkipped: number;
  readonly interrupted: boolean;
}

const lateThresholdMs = 100;

/** Runs the plan to its end (or until `signal` aborts), then waits for in-flight work. */
export async function runPlan(options: PlanRunnerOptions): Promise<PlanRunReport> {
  const pool = new WorkerPool(options.workers);
  let nemesisChain: Promise<void> = Promise.resolve();
  let opsDispatched = 0;
  let opsLate = 0;
  let maxLagMs = 0;
  let opsSkipped = 0;
  const mainEndMs = options.plan.events.find((e) => e.value.kind === 'phase' && e.value.name === 'heal')?.atMs ?? Infinity;
  for (const event of options.plan.events) {
    if (options.signal.aborted) break;
    await sleepUntil(event.atMs, options);
    if (options.signal.aborted) break;
    const item = event.value;
    switch (item.kind) {
      case 'phase':
        if (item.name === 'final') {
          // Final ops must observe the healed, settled system: nothing from before may still run.
          await nemesisChain;
          await pool.whenAllIdle();
          await options.beforeFinal?.();
        }
        options.onPhase?.(item.name);
        break;
      case 'nemesis': {
        const action = item.action;
        nemesisChain = nemesisChain.then(() => options.nemesis.run(action));
        break;
      }
      case 'op': {
        const worker = await pool.acquire(event.thread, options.signal);
        if (worker === null) break;
        if (event.atMs < mainEndMs && options.elapsedMs() >= mainEndMs) {
          opsSkipped += 1;
          pool.release(worker);
          break;
        }
        const lagMs = options.elapsedMs() - event.atMs;
        maxLagMs = Math.max(maxLagMs, lagMs);
        if (lagMs > lateThresholdMs) opsLate += 1;
        opsDispatched += 1;
        void worker.run(item.op).finally(() => pool.release(worker));
        break;
      }
    }
  }
  await nemesisChain;
  await pool.whenAllIdle();
  return { opsDispatched, opsLate, maxLagMs, opsSkipped, interrupted: options.signal.aborted };
}

async function sleepUntil(atMs: number, options: PlanRunnerOptions): Promise<void> {
  const waitMs = atMs - options.elapsedMs();
  if (waitMs <= 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, waitMs);
    options.signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Hands out idle workers; waiters are woken whenever a worker is released. */
class WorkerPool {
  private waiters: (() => void)[] = [];
  private nextAny = 0;

  constructor(private readonly workers: readonly ClientWorker[]) {}

  async acquire(thread: number | undefined, signal: AbortSignal): Promise<ClientWorker | null> {
    for (;;) {
      if (signal.aborted) return null;
      const worker = thread === undefined ? this.anyIdle() : this.workers[thread];
      if (worker === undefined) throw new Error(`plan binds an op to thread ${thread}, but there are ${this.workers.length}`);
      if (worker !== null && !worker.busy) {
        worker.busy = true;
        return worker;
      }
      await this.changed(signal);
    }
  }

  private anyIdle(): ClientWorker | null {
    // Rotate the starting point so ops spread over workers (and so over nodes).
    for (let i = 0; i < this.workers.length; i += 1) {
      const worker = this.workers[(this.nextAny + i) % this.workers.length] as ClientWorker;
      if (!worker.busy) {
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
