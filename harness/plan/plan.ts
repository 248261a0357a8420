/**
 * The plan of a test: every client op and nemesis action with its virtual
 * time, computed from the seed and the resolved config before anything runs
 * and written to plan.jsonl. The runner executes it in real time.
 */
import { map, merge, once, phases, rate, runGenerator, sleep, timeLimit } from '../generator/index.js';
import type { EventGenerator, Random, Timed } from '../generator/index.js';
import { faultSchedule } from '../nemesis/index.js';
import type { FaultName, FaultTuning, NemesisAction } from '../nemesis/index.js';
import type { ClientOp, Workload } from '../workload/index.js';

/** Phases of a test; history stats are split by them. */
export type PhaseName = 'main' | 'heal' | 'final';

/** One planned item. */
export type PlanItem =
  | { readonly kind: 'op'; readonly op: ClientOp }
  | { readonly kind: 'nemesis'; readonly action: NemesisAction }
  | { readonly kind: 'phase'; readonly name: PhaseName };

/** A planned item at its virtual time (optionally bound to a client thread). */
export type PlanEvent = Timed<PlanItem>;

export interface PlanConfig {
  readonly workload: Workload;
  readonly keys: number;
  readonly nodes: readonly string[];
  readonly concurrency: number;
  readonly timeLimitMs: number;
  readonly opsPerSecond: number;
  readonly faults: readonly FaultName[];
  readonly nemesisIntervalMs: number;
  readonly faultTuning: FaultTuning;
  /** Time between the final heal and the final reads, for the cluster to recover. */
  readonly recoveryMs: number;
  /** Refuse plans larger than this (a typo'd rate would otherwise eat memory). */
  readonly planEventsMax: number;
}

export interface Plan {
  readonly events: readonly PlanEvent[];
  /** Virtual time at which the plan ends. */
  readonly endMs: number;
}

const asOp = (op: ClientOp): PlanItem => ({ kind: 'op', op });
const asNemesis = (action: NemesisAction): PlanItem => ({ kind: 'nemesis', action });
const phase = (name: PhaseName): EventGenerator<PlanItem> => once<PlanItem>({ kind: 'phase', name });

/** The test's whole plan as a generator: main phase (ops ‖ faults), heal, recovery wait, final ops. */
export function planGenerator(config: PlanConfig): EventGenerator<PlanItem> {
  const options = { keys: config.keys };
  const clients = map(timeLimit(config.timeLimitMs, rate(config.opsPerSecond, config.workload.ops(options))), asOp);
  const nemesis = map(
    timeLimit(config.timeLimitMs, faultSchedule({ faults: config.faults, nodes: config.nodes, intervalMs: config.nemesisIntervalMs, tuning: config.faultTuning })),
    asNemesis,
  );
  return phases<PlanItem>(
    phase('main'),
    merge(clients, nemesis),
    phase('heal'),
    once(asNemesis({ f: 'heal-all' })),
    sleep(config.recoveryMs),
    phase('final'),
    map(config.workload.finalOps(options), asOp),
  );
}

/** Builds the plan from a seeded source; the same seed and config give the same plan. */
export function buildPlan(config: PlanConfig, random: Random): Plan {
  const { events, endMs } = runGenerator(planGenerator(config), { random, threads: config.concurrency }, { eventsMax: config.planEventsMax });
  return { events, endMs };
}

/** plan.jsonl text: one event per line. */
export function planToJsonl(plan: Plan): string {
  return plan.events.map((event) => `${JSON.stringify(event)}\n`).join('');
}

/** Reads plan.jsonl back (for replay); refuses lines that are not plan events, naming the line. */
export function parsePlanJsonl(text: string, source: string): Plan {
  const events: PlanEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      throw new RangeError(`${source}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    const candidate = event as { atMs?: unknown; value?: { kind?: unknown } } | null;
    if (typeof candidate?.atMs !== 'number' || !['op', 'nemesis', 'phase'].includes(String(candidate.value?.kind))) {
      throw new RangeError(`${source}:${i + 1}: not a plan event (needs atMs and value.kind op|nemesis|phase)`);
    }
    const previous = events[events.length - 1];
    if (previous !== undefined && candidate.atMs < previous.atMs) throw new RangeError(`${source}:${i + 1}: events out of time order`);
    events.push(event as PlanEvent);
  }
  return { events, endMs: events[events.length - 1]?.atMs ?? 0 };
}
