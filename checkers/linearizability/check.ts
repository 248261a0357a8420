// check(): prepares a history, splits it into independent partitions
// (P-compositionality), searches each within one shared time budget and builds
// the knossos-compatible result.
import type { HistoryOp } from '../history/history-op.js';
import type { CheckResult, FinalPath, OpRef, PartitionReport, Semantics } from './check-result.js';
import type { Model } from './model.js';
import type { Operation } from './operation.js';
import { prepareHistory } from './prepare-history.js';
import type { PreparedOp } from './prepare-history.js';
import { searchPartition } from './search.js';
import type { SearchOutcome, StopReason } from './search.js';

/** Options of `check` and `checkOperations`. */
export interface CheckOptions {
  /** How to read the history (default knossos). Ignored by checkOperations. */
  readonly semantics?: Semantics;
  /** See PrepareOptions.nilReadMatchesAny (default false). */
  readonly nilReadMatchesAny?: boolean;
  /** Search time for the whole check; past it the result is unknown (default: none). */
  readonly budgetMs?: number;
  /** Cancels the search (result unknown, reason cancelled). */
  readonly signal?: AbortSignal;
  /** Millisecond clock for the budget and elapsedMs (default performance.now). */
  readonly now?: () => number;
  /** Memoized configurations per partition before giving up as unknown (default 4,000,000). */
  readonly cacheEntriesMax?: number;
  /** Stop at the first partition found not linearizable (default true). */
  readonly stopAtFirstFailure?: boolean;
}

const defaultCacheEntriesMax = 4_000_000;

interface Partition<Input, Output> {
  readonly key: string | null;
  readonly ops: PreparedOp<Input, Output>[];
}

function partitionOps<Input, Output>(ops: readonly PreparedOp<Input, Output>[]): Partition<Input, Output>[] {
  const byKey = new Map<string | null, PreparedOp<Input, Output>[]>();
  for (const op of ops) {
    const key = op.partitionKey ?? null;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [op]);
    else list.push(op);
  }
  const partitions = [...byKey].map(([key, list]) => ({ key, ops: list.sort((a, b) => a.call - b.call) }));
  // Deterministic order: by first invocation, then key.
  return partitions.sort((a, b) => (a.ops[0]?.call ?? 0) - (b.ops[0]?.call ?? 0) || String(a.key).localeCompare(String(b.key)));
}

/** Checks a history against a model. Throws HistoryError for a malformed history. */
export function check<State, Input, Output>(model: Model<State, Input, Output>, history: readonly HistoryOp[], options: CheckOptions = {}): CheckResult {
  const semantics = options.semantics ?? 'knossos';
  const prepared = prepareHistory(model, history, { semantics, nilReadMatchesAny: options.nilReadMatchesAny ?? false });
  return runCheck(model, prepared, semantics, options);
}

/** Checks operations built by hand (porcupine's CheckOperations); results name ops by array position. */
export function checkOperations<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly Operation<Input, Output>[], options: CheckOptions = {}): CheckResult {
  const prepared = operations.map((op, index): PreparedOp<Input, Output> => {
    const unknown = op.return === undefined;
    const description = model.describeOperation(op.input, unknown ? undefined : op.output);
    return {
      ...op,
      ref: { index, invokeIndex: index, process: op.process, type: unknown ? 'info' : 'ok', f: 'op', value: null, description },
      partitionKey: model.partitionKey?.(op.input),
    };
  });
  return runCheck(model, prepared, 'porcupine', options);
}

function makeStopper(options: CheckOptions, now: () => number, startMs: number): () => StopReason | undefined {
  const deadline = options.budgetMs === undefined ? Infinity : startMs + options.budgetMs;
  return () => {
    if (options.signal?.aborted === true) return 'cancelled';
    return now() > deadline ? 'budget-exhausted' : undefined;
  };
}

function runCheck<State, Input, Output>(model: Model<State, Input, Output>, prepared: readonly PreparedOp<Input, Output>[], semantics: Semantics, options: CheckOptions): CheckResult {
  const now = options.now ?? (() => performance.now());
  const startMs = now();
  const shouldStop = makeStopper(options, now, startMs);
  const control = { shouldStop, cacheEntriesMax: options.cacheEntriesMax ?? defaultCacheEntriesMax };
  const partitions = partitionOps(prepared);
  const reports: PartitionReport[] = [];
  let failure: { partition: Partition<Input, Output>; outcome: SearchOutcome<State> & { kind: 'not-linearizable' } } | undefined;
  let unknown: { partition: Partition<Input, Output>; outcome: SearchOutcome<State> & { kind: 'unknown' } } | undefined;
  for (const partition of partitions) {
    const stopped = (failure !== undefined && options.stopAtFirstFailure !== false) || unknown?.outcome.reason === 'budget-exhausted' || unknown?.outcome.reason === 'cancelled';
    if (stopped) {
      reports.push({ key: partition.key, ops: partition.ops.length, valid: 'not-checked', elapsedMs: 0, cacheEntries: 0 });
      continue;
    }
    const partitionStartMs = now();
    const early = shouldStop();
    const outcome: SearchOutcome<State> = early !== undefined
      ? { kind: 'unknown', reason: early, frontier: undefined, previousOk: undefined, cacheEntries: 0 }
      : searchPartition(model, partition.ops, control);
    const valid = outcome.kind === 'linearizable' ? true : outcome.kind === 'not-linearizable' ? false : 'unknown';
    reports.push({ key: partition.key, ops: partition.ops.length, valid, elapsedMs: now() - partitionStartMs, cacheEntries: outcome.cacheEntries });
    if (outcome.kind === 'not-linearizable') failure ??= { partition, outcome };
    if (outcome.kind === 'unknown') unknown ??= { partition, outcome };
  }
  const summary = { model: model.name, semantics, ops: prepared.length, partitions: reports, elapsedMs: now() - startMs };
  if (failure !== undefined) return { ...summary, valid: false, ...explainFailure(model, failure.partition, failure.outcome) };
  if (unknown !== undefined) return { ...summary, valid: 'unknown', ...explainUnknown(unknown.partition, unknown.outcome) };
  return { ...summary, valid: true };
}

function refAt<Input, Output>(partition: Partition<Input, Output>, op: number | undefined): OpRef | null {
  return op === undefined ? null : (partition.ops[op]?.ref ?? null);
}

function explainFailure<State, Input, Output>(model: Model<State, Input, Output>, partition: Partition<Input, Output>, outcome: SearchOutcome<State> & { kind: 'not-linearizable' }) {
  const op = refAt(partition, outcome.failing);
  if (op === null) throw new Error(`internal error: failing operation ${outcome.failing} is outside its partition`);
  const finalPaths: FinalPath[] = [];
  for (const configuration of outcome.configurations) {
    const steps = configuration.path.map((step) => ({ op: refAt(partition, step.op) ?? op, model: model.describeState(step.stateAfter) }));
    for (const attempt of configuration.attempts) {
      finalPaths.push({ steps, failure: { op: refAt(partition, attempt.op) ?? op, message: attempt.message } });
    }
  }
  return { partition: partition.key, op, previousOk: refAt(partition, outcome.previousOk), finalPaths };
}

function explainUnknown<State, Input, Output>(partition: Partition<Input, Output>, outcome: SearchOutcome<State> & { kind: 'unknown' }) {
  const frontier = refAt(partition, outcome.frontier);
  const frontierReturn = outcome.frontier === undefined ? undefined : partition.ops[outcome.frontier]?.return;
  const okOps = frontierReturn === undefined ? 0 : partition.ops.filter((op) => op.return !== undefined && op.return < frontierReturn).length;
  return { reason: outcome.reason, partition: partition.key, longestPrefix: { okOps, lastOk: refAt(partition, outcome.previousOk), frontier } };
}
