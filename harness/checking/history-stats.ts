/**
 * Basic statistics of a history: ok/fail/info per op type, split by phase —
 * before the first fault, while faults run, and after the final heal — plus
 * the fault windows themselves (Jepsen's stats checker, with phases).
 */
import type { HistoryOp } from '../history/op.js';

/** Phases of a test as seen from the history. */
export type StatsPhase = 'before-faults' | 'during-faults' | 'after-heal';

type Counts = Record<'ok' | 'fail' | 'info', number>;

export interface HistoryStats {
  /** Completions per phase, per op type. */
  readonly byPhase: Record<StatsPhase, Record<string, Counts>>;
  readonly totals: Counts;
  /** Invocations without a completion (a cut-short history). */
  readonly pending: number;
  /** Nemesis actions in order: f, time (ns) and error if it failed. */
  readonly faults: readonly { readonly f: string; readonly timeNs: number; readonly error?: string }[];
}

/** Computes stats; phases come from the nemesis ops (the first one, and the completion of `heal-all`). */
export function historyStats(ops: readonly HistoryOp[]): HistoryStats {
  const byPhase: HistoryStats['byPhase'] = { 'before-faults': {}, 'during-faults': {}, 'after-heal': {} };
  const totals: Counts = { ok: 0, fail: 0, info: 0 };
  const faults: { f: string; timeNs: number; error?: string }[] = [];
  const invokedIn = new Map<number, StatsPhase>();
  let phase: StatsPhase = 'before-faults';
  let nemesisOps = 0;
  for (const op of ops) {
    if (op.process === 'nemesis') {
      if (phase === 'before-faults') phase = 'during-faults';
      // The executor is sequential and records each action twice: the odd ones are completions.
      nemesisOps += 1;
      if (nemesisOps % 2 === 0) {
        faults.push({ f: op.f, timeNs: op.time, ...(op.error === undefined ? {} : { error: op.error }) });
        if (op.f === 'heal-all') phase = 'after-heal';
      }
      continue;
    }
    // Rollout steps are counted by the rollout checkers, not as client ops.
    if (op.process === 'rollout') continue;
    if (op.type === 'invoke') {
      invokedIn.set(op.process, phase);
      continue;
    }
    const at = invokedIn.get(op.process) ?? phase;
    invokedIn.delete(op.process);
    const perF = (byPhase[at][op.f] ??= { ok: 0, fail: 0, info: 0 });
    perF[op.type] += 1;
    totals[op.type] += 1;
  }
  return { byPhase, totals, pending: invokedIn.size, faults };
}
