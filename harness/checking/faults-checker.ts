/**
 * The `faults` entry of results.json: which faults actually ran — each with
 * its kind, targets, start and end (from the nemesis ops of the history) —
 * and which requested kinds never ran (a warning). A run whose planned fault
 * starts mostly failed or were held off is `unknown`: it proves little about
 * the faults it was meant to survive.
 */
import type { HistoryOp, JsonValue } from '../history/op.js';
import { faultCapability, faultCapabilityOfAction } from '../nemesis/index.js';
import type { FaultCapability, FaultName, NemesisAction } from '../nemesis/index.js';
import type { Checker, CheckerEntry } from './checker.js';

/** One fault that ran. */
export interface FaultRun {
  /** The catalogue name (kill-leader, partition-halves, …), or the action for faults aimed at rollout steps. */
  readonly fault: string;
  readonly source: 'schedule' | 'trigger';
  /** What the nemesis did (nodes, grudge, offset). */
  readonly done: JsonValue;
  /** Nanoseconds since the test started. */
  readonly start: number;
  /** When the fault ended (its end action or the final heal); null when the history ends first. */
  readonly end: number | null;
}

/** Above this share of failed or skipped planned starts, the faults mostly did not happen. */
export const faultMissShareMax = 0.5;

const endsOf: Readonly<Record<FaultCapability, readonly string[]>> = {
  partition: ['stop-partition'],
  kill: ['restart'],
  pause: ['resume'],
  clock: ['clock-reset'],
  latency: ['stop-latency', 'stop-link-resets'],
};

/** The faults of a history: every start action that ran, and how many planned starts did not. */
export function faultRuns(ops: readonly HistoryOp[]): { runs: FaultRun[]; missed: { fault: string; why: string }[] } {
  const nemesis = ops.filter((op) => op.process === 'nemesis');
  const runs: FaultRun[] = [];
  const missed: { fault: string; why: string }[] = [];
  // The executor records each action twice, one after the other: the plan, then what happened.
  for (let i = 0; i + 1 < nemesis.length; i += 2) {
    const planned = nemesis[i] as HistoryOp;
    const done = nemesis[i + 1] as HistoryOp;
    const action = { f: planned.f, ...(planned.value as object) } as NemesisAction & { source?: string };
    const capability = faultCapabilityOfAction(action);
    if (capability === null) continue;
    const fault = action.fault ?? planned.f;
    const skipped = (done.value as { skipped?: string } | null)?.skipped;
    if (done.error !== undefined || skipped !== undefined) {
      missed.push({ fault, why: done.error ?? `held off by ${String(skipped)}` });
      continue;
    }
    const end = nemesis
      .slice(i + 2)
      .find((op, j) => j % 2 === 1 && (endsOf[capability].includes(op.f) || op.f === 'heal-all'));
    runs.push({
      fault,
      source: action.source === 'trigger' ? 'trigger' : 'schedule',
      done: done.value ?? null,
      start: done.time,
      end: end?.time ?? null,
    });
  }
  return { runs, missed };
}

export const faultsChecker: Checker = {
  name: 'faults',
  check(run): CheckerEntry {
    const requested = ((run.test.config as { faults?: string[] }).faults ?? []) as FaultName[];
    const { runs, missed } = faultRuns(run.history());
    const ran = new Set(runs.map((r) => r.fault));
    const neverRan = requested.filter((f) => !ran.has(f));
    const warnings = neverRan.length === 0 ? [] : [`requested faults that never ran: ${neverRan.join(', ')}`];
    const scheduled = runs.filter((r) => r.source === 'schedule').length + missed.length;
    const byKind: Record<string, number> = {};
    for (const r of runs) byKind[r.fault] = (byKind[r.fault] ?? 0) + 1;
    const details = {
      requested,
      ran: byKind,
      neverRan,
      missed,
      runs,
      capabilities: [...new Set(requested.map(faultCapability))],
    };
    if (scheduled > 0 && missed.length / scheduled > faultMissShareMax) {
      return {
        valid: 'unknown',
        reason: `${missed.length} of ${scheduled} planned faults failed or were held off: the faults mostly did not happen`,
        warnings,
        ...details,
      };
    }
    return { valid: true, warnings, ...details };
  },
};
