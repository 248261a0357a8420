/**
 * The plan of a test: every client op and nemesis action with its virtual
 * time, computed from the seed and the resolved config before anything runs
 * and written to plan.jsonl. The runner executes it in real time.
 */
import { generator, map, merge, once, phases, rate, runGenerator, sleep, timeLimit } from '../generator/index.js';
import type { EventGenerator, Random, Timed } from '../generator/index.js';
import { faultSchedule } from '../nemesis/index.js';
import type { FaultName, FaultTuning, NemesisAction } from '../nemesis/index.js';
import { validateProgram } from '../rollout/rollout-program.js';
import type { RolloutProgram } from '../rollout/rollout-program.js';
import type { ClientOp, ClusterCondition, FinalEvent, Workload, WorkloadOptions } from '../workload/index.js';

/** Phases of a test; history stats are split by them. */
export type PhaseName = 'main' | 'heal' | 'final';

/** One planned item. */
export type PlanItem =
  | { readonly kind: 'op'; readonly op: ClientOp }
  | { readonly kind: 'nemesis'; readonly action: NemesisAction }
  | { readonly kind: 'phase'; readonly name: PhaseName }
  /** Wait, with every client idle, until the condition holds (bounded; a miss is logged, not fatal). */
  | { readonly kind: 'await'; readonly condition: ClusterCondition; readonly boundMs: number }
  /** Start the rollout process on this program (it runs alongside clients and nemesis, step by step). */
  | { readonly kind: 'rollout'; readonly program: RolloutProgram };

const planItemKinds: readonly string[] = ['op', 'nemesis', 'phase', 'await', 'rollout'];

/** A planned item at its virtual time (optionally bound to a client thread). */
export type PlanEvent = Timed<PlanItem>;

export interface PlanConfig {
  readonly workload: Workload;
  readonly workloadOptions: WorkloadOptions;
  /** The operator's steps, started with the main phase (none: no rollout process). */
  readonly rollout: RolloutProgram | null;
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
const asFinal = (event: FinalEvent): PlanItem =>
  event.kind === 'op' ? asOp(event.op) : { kind: 'await', condition: event.condition, boundMs: event.boundMs };
const phase = (name: PhaseName): EventGenerator<PlanItem> => once<PlanItem>({ kind: 'phase', name });

/** The test's whole plan as a generator: main phase (ops ‖ faults ‖ rollout), heal, recovery wait, final phase. */
export function planGenerator(config: PlanConfig): EventGenerator<PlanItem> {
  const options = config.workloadOptions;
  // The final phase reads back what the main phase touched; generators are lazy, so it is built once main ran.
  const keys = new Set<string>();
  const clients = map(
    timeLimit(config.timeLimitMs, rate(config.opsPerSecond, config.workload.generator(options))),
    (op) => {
      if (op.key !== undefined) keys.add(op.key);
      return asOp(op);
    },
  );
  const final = generator<PlanItem>((context, startMs) =>
    map(config.workload.final(options, { keys: [...keys] }), asFinal).events(context, startMs),
  );
  const nemesis = map(
    timeLimit(
      config.timeLimitMs,
      faultSchedule({
        faults: config.faults,
        nodes: config.nodes,
        intervalMs: config.nemesisIntervalMs,
        tuning: config.faultTuning,
      }),
    ),
    asNemesis,
  );
  const rollout: EventGenerator<PlanItem>[] =
    config.rollout === null ? [] : [once<PlanItem>({ kind: 'rollout', program: config.rollout })];
  return phases<PlanItem>(
    phase('main'),
    ...rollout,
    merge(clients, nemesis),
    phase('heal'),
    once(asNemesis({ f: 'heal-all' })),
    sleep(config.recoveryMs),
    phase('final'),
    final,
  );
}

/** Builds the plan from a seeded source; the same seed and config give the same plan. */
export function buildPlan(config: PlanConfig, random: Random): Plan {
  const { events, endMs } = runGenerator(
    planGenerator(config),
    { random, threads: config.concurrency },
    { eventsMax: config.planEventsMax },
  );
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
    if (typeof candidate?.atMs !== 'number' || !planItemKinds.includes(String(candidate.value?.kind))) {
      throw new RangeError(
        `${source}:${i + 1}: not a plan event (needs atMs and value.kind ${planItemKinds.join('|')})`,
      );
    }
    if (candidate.value?.kind === 'rollout') {
      try {
        validateProgram((event as { value: { program: RolloutProgram } }).value.program);
      } catch (error) {
        throw new RangeError(`${source}:${i + 1}: ${(error as Error).message}`);
      }
    }
    const previous = events[events.length - 1];
    if (previous !== undefined && candidate.atMs < previous.atMs)
      throw new RangeError(`${source}:${i + 1}: events out of time order`);
    events.push(event as PlanEvent);
  }
  return { events, endMs: events[events.length - 1]?.atMs ?? 0 };
}
