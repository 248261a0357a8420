/**
 * Checks a recorded history and writes results.json: linearizability per key
 * (the checker library, knossos semantics: `fail` did not happen, `info` may
 * have happened at any time after its invocation), basic stats, recovery
 * (did the final reads after the heal succeed) and unexpected node exits.
 * Each checker is wrapped so that one that throws yields `unknown`, never a
 * crashed run (STYLE.md 8).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, createModel, visualize } from '../../checkers/linearizability/index.js';
import type { HistoryOp as CheckerOp } from '../../checkers/history/index.js';
import type { HistoryOp } from '../history/op.js';
import { historyStats } from './history-stats.js';

/** A verdict, Jepsen's `:valid?`. */
export type Validity = true | false | 'unknown';

/** One checker's entry in results.json. */
export interface CheckerEntry {
  readonly valid: Validity;
  readonly [detail: string]: unknown;
}

export interface RunResults {
  readonly valid: Validity;
  readonly checkers: Readonly<Record<string, CheckerEntry>>;
  readonly warnings: readonly string[];
}

export interface CheckRunOptions {
  readonly model: 'cas-register';
  readonly checkerBudgetMs: number;
  /** Node exits the harness did not cause (crash, halt). */
  readonly unexpectedExits?: readonly unknown[];
  readonly warnings?: readonly string[];
  /** Where to write linearizability.html for a result that is not valid (optional). */
  readonly runDir?: string;
}

/** Combines verdicts: any false → false, else any unknown → unknown, else true. */
export function combineValidity(verdicts: readonly Validity[]): Validity {
  if (verdicts.includes(false)) return false;
  if (verdicts.includes('unknown')) return 'unknown';
  return true;
}

function safely(name: string, run: () => CheckerEntry): CheckerEntry {
  try {
    return run();
  } catch (error) {
    return { valid: 'unknown', error: `${name} checker threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function toCheckerOps(ops: readonly HistoryOp[]): CheckerOp[] {
  return ops.map((op) => ({ ...op, value: op.value ?? null }));
}

function linearizability(ops: readonly HistoryOp[], options: CheckRunOptions): CheckerEntry {
  const history = toCheckerOps(ops);
  const model = createModel(options.model);
  const result = check(model, history, { semantics: 'knossos', budgetMs: options.checkerBudgetMs });
  if (result.valid !== true && options.runDir !== undefined) {
    const html = visualize({ result, history, model: createModel(options.model), semantics: 'knossos', title: 'linearizability' });
    writeFileSync(join(options.runDir, 'linearizability.html'), html);
  }
  return { ...result, model: options.model, semantics: 'knossos' };
}

function recovery(ops: readonly HistoryOp[]): CheckerEntry {
  const healAt = ops.findLastIndex((op) => op.process === 'nemesis' && op.f === 'heal-all');
  if (healAt < 0) return { valid: 'unknown', reason: 'the history has no completed final heal (run cut short?)' };
  // Only ops invoked after the heal count: a main-phase op may complete after it.
  const invokedAfterHeal = new Set<number | string>();
  const completions = ops.slice(healAt + 1).filter((op) => {
    if (op.process === 'nemesis') return false;
    if (op.type === 'invoke') {
      invokedAfterHeal.add(op.process);
      return false;
    }
    return invokedAfterHeal.delete(op.process);
  });
  const failed = completions.filter((op) => op.type !== 'ok');
  if (completions.length === 0) return { valid: 'unknown', reason: 'no operation completed after the final heal' };
  // Liveness, not safety: final reads that fail leave the final state unverified rather than wrong.
  return failed.length === 0
    ? { valid: true, finalOps: completions.length }
    : { valid: 'unknown', finalOps: completions.length, notOk: failed.map((op) => ({ index: op.index, f: op.f, key: op.key, type: op.type, error: op.error })) };
}

/** Runs every checker over the history. */
export function checkHistory(ops: readonly HistoryOp[], options: CheckRunOptions): RunResults {
  const stats = historyStats(ops);
  const checkers: Record<string, CheckerEntry> = {
    linearizability: safely('linearizability', () => linearizability(ops, options)),
    stats: safely('stats', () => ({ valid: stats.totals.ok > 0 ? true : 'unknown', ...stats })),
    recovery: safely('recovery', () => recovery(ops)),
  };
  if (options.unexpectedExits !== undefined) {
    const exits = options.unexpectedExits;
    checkers['node-exits'] = { valid: exits.length === 0, unexpectedExits: exits };
  }
  return { valid: combineValidity(Object.values(checkers).map((c) => c.valid)), checkers, warnings: options.warnings ?? [] };
}

/** Writes results.json. */
export function writeResults(path: string, results: RunResults): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

/** Exit code of a verdict: 0 valid, 1 invalid, 2 unknown. */
export function exitCodeOf(valid: Validity): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}
