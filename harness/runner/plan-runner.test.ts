import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientOp } from '../workload/index.js';
import type { NemesisExecutor } from '../nemesis/nemesis-executor.js';
import type { PlanEvent } from '../plan/plan.js';
import type { ClientWorker } from './client-worker.js';
import { runPlan } from './plan-runner.js';

/** Workers whose ops each take `opMs` (a slow system) — fake ClientWorkers with what the pool uses. */
function workers(count: number, opMs: number): ClientWorker[] {
  return Array.from({ length: count }, (_, thread) => ({
    thread,
    node: `n${thread + 1}`,
    busy: false,
    run: () => new Promise<void>((resolve) => setTimeout(resolve, opMs)),
  })) as unknown as ClientWorker[];
}

const nemesis = { run: async () => undefined, drain: async () => undefined } as unknown as NemesisExecutor;
const read: ClientOp = { f: 'read', key: 'k', value: null };

/** `count` ops `everyMs` apart, then the heal that ends the main phase. */
function plan(count: number, everyMs: number): { events: PlanEvent[]; endMs: number } {
  const ops: PlanEvent[] = Array.from({ length: count }, (_, i) => ({
    atMs: i * everyMs,
    value: { kind: 'op', op: read },
  }));
  const endMs = count * everyMs + 400;
  return { events: [...ops, { atMs: endMs, value: { kind: 'phase', name: 'heal' } }], endMs };
}

/**
 * Runs the plan on fake timers: time moves only when a timer is due, so a lag is exactly what the
 * plan and the workers make it, never what a busy machine adds (a real clock made the op whose lag
 * sits on the threshold count one way or the other).
 */
async function runOnFakeClock(
  options: Omit<Parameters<typeof runPlan>[0], 'elapsedMs' | 'signal'>,
  offsetMs: () => number = () => 0,
): ReturnType<typeof runPlan> {
  const started = Date.now();
  const running = runPlan({
    ...options,
    elapsedMs: () => Date.now() - started + offsetMs(),
    signal: new AbortController().signal,
  });
  await vi.runAllTimersAsync();
  return running;
}

describe('runPlan: schedule health', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ops that wait for a worker busy with a slow answer are late or skipped, but not by the harness', async () => {
    // Every op is due at once: the dispatcher never sleeps, so all lag is time spent waiting for a worker.
    const report = await runOnFakeClock({ plan: plan(20, 0), workers: workers(2, 100), nemesis });
    expect(report.opsPlanned).toBe(20);
    expect(report.opsLate).toBeGreaterThan(3);
    expect(report.opsSkipped).toBeGreaterThan(3);
    expect(report.opsLateByHarness).toBe(0);
    expect(report.opsSkippedByHarness).toBe(0);
  });

  it('ops the harness itself is late for (its clock ran ahead of the dispatcher: a starved event loop) count as late by the harness', async () => {
    let dispatched = 0;
    // The dispatcher falls 300 ms behind once the 5th op (due at 200 ms) went out although every worker
    // is idle: the next three go out 250, 200 and 150 ms late, the one after exactly on the 100 ms
    // threshold (not late).
    const fast = workers(4, 0).map((w) =>
      Object.assign(w, {
        run: async () => {
          dispatched += 1;
        },
      }),
    );
    const report = await runOnFakeClock({ plan: plan(20, 50), workers: fast, nemesis }, () =>
      dispatched >= 5 ? 300 : 0,
    );
    expect(report.opsLate).toBe(3);
    expect(report.opsLateByHarness).toBe(3);
    expect(report.maxLagMs).toBe(250);
  });
});
