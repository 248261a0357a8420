// check(): prepares a history, splits it into independent partitions
// (P-compositionality), searches each within one shared time budget and builds
// the knossos-compatible result.
import type { HistoryOp } from '../history/history-op.js';
import type { CheckResult, FinalPath, OpRef, PartitionReport, Semantics } from './check-result.js';
import type { Model } from './model.js';
import type { Operation } from './operation.js';
import { prepareHistory } from './prepare-history.js';
import type { PreparedOp } from './prepare-history.js';
import { startPartitionSearch } from './search.js';
import type { PartitionSearch, SearchOutcome, StopReason, UnknownOrder } from './search.js';

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
  /** Memoized configurations (all partitions together) before giving up as unknown (default: no limit but memoryBytesMax). */
  readonly cacheEntriesMax?: number;
  /**
   * Memory the memoization cache may use, all partitions together (bytes,
   * estimated from its arrays and a per-state allowance); past it the result
   * is unknown with reason cache-full (default 2 GiB).
   */
  readonly memoryBytesMax?: number;
  /** Stop at the first partition found not linearizable (default true). */
  readonly stopAtFirstFailure?: boolean;
}

/** Default memoryBytesMax: 2 GiB, about 20 million memoized configurations of a register or kv model. */
export const defaultMemoryBytesMax = 2 * 1024 ** 3;

const defaultNow = (): number => performance.now();

/** The operations of one key (or of the whole history). */
export interface Partition<Input, Output> {
  readonly key: string | null;
  readonly ops: PreparedOp<Input, Output>[];
}

export function partitionOps<Input, Output>(ops: readonly PreparedOp<Input, Output>[]): Partition<Input, Output>[] {
  const byKey = new Map<string | null, PreparedOp<Input, Output>[]>();
  for (const op of ops) {
    const key = op.partitionKey ?? null;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [op]);
    else list.push(op);
  }
  const partitions: Partition<Input, Output>[] = [];
  for (const [key, list] of byKey) partitions.push({ key, ops: list.sort((a, b) => a.call - b.call) });
  // Deterministic order: by first invocation, then key in code-unit order
  // (not localeCompare: its first call in a process loads ICU collation data,
  // 6-9 ms measured; reached only when two partitions start at the same time).
  return partitions.sort((a, b) => (a.ops[0]?.call ?? 0) - (b.ops[0]?.call ?? 0) || compareKeys(a.key, b.key));
}

function compareKeys(a: string | null, b: string | null): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Checks a history against a model. Throws HistoryError for a malformed history. */
export function check<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly HistoryOp[],
  options: CheckOptions = {},
): CheckResult {
  const semantics = options.semantics ?? 'knossos';
  const startMs = (options.now ?? defaultNow)();
  const prepared = prepareHistory(model, history, { semantics, nilReadMatchesAny: options.nilReadMatchesAny ?? false });
  return runToEnd(runCheck(model, prepared, semantics, options, startMs));
}

/** Options of `checkAsync`. */
export interface AsyncCheckOptions extends CheckOptions {
  /** Longest stretch of search between two returns to the event loop (default 20 ms). */
  readonly yieldEveryMs?: number;
}

/**
 * `check` that returns to the event loop every `yieldEveryMs`, so that timers
 * and signal handlers run during a long search (for instance one that aborts
 * `signal` on Ctrl-C: the result is then unknown, reason cancelled, with the
 * longest linearizable prefix found).
 */
export async function checkAsync<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly HistoryOp[],
  options: AsyncCheckOptions = {},
): Promise<CheckResult> {
  const semantics = options.semantics ?? 'knossos';
  const now = options.now ?? defaultNow;
  const startMs = now();
  const prepared = prepareHistory(model, history, { semantics, nilReadMatchesAny: options.nilReadMatchesAny ?? false });
  const slices = runCheck(model, prepared, semantics, options, startMs);
  const yieldEveryMs = options.yieldEveryMs ?? 20;
  let lastYieldMs = now();
  for (;;) {
    const step = slices.next();
    if (step.done === true) return step.value;
    if (now() - lastYieldMs >= yieldEveryMs) {
      await new Promise<void>((resolve) => {
        setImmediate(resolve);
      });
      lastYieldMs = now();
    }
  }
}

function runToEnd(slices: Generator<void, CheckResult>): CheckResult {
  for (;;) {
    const step = slices.next();
    if (step.done === true) return step.value;
  }
}

/** Checks operations built by hand (porcupine's CheckOperations); results name ops by array position. */
export function checkOperations<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  options: CheckOptions = {},
): CheckResult {
  const startMs = (options.now ?? defaultNow)();
  const prepared = operations.map((op, index): PreparedOp<Input, Output> => {
    const unknown = op.return === undefined;
    const description = model.describeOperation(op.input, unknown ? undefined : op.output);
    return {
      ...op,
      ref: {
        index,
        invokeIndex: index,
        process: op.process,
        type: unknown ? 'info' : 'ok',
        f: 'op',
        value: null,
        description,
      },
      partitionKey: model.partitionKey?.(op.input),
    };
  });
  return runToEnd(runCheck(model, prepared, 'porcupine', options, startMs));
}

function makeStopper(options: CheckOptions, now: () => number, startMs: number): () => StopReason | undefined {
  const deadline = options.budgetMs === undefined ? Infinity : startMs + options.budgetMs;
  return () => {
    if (options.signal?.aborted === true) return 'cancelled';
    return now() > deadline ? 'budget-exhausted' : undefined;
  };
}

/** Steps of the first slice each search gets; its slices double with the steps it has had (up to the max, a few ms). */
const sliceStepsInitial = 1_000;
const sliceStepsMax = 64_000;

interface Running<State, Input, Output> {
  readonly partition: Partition<Input, Output>;
  readonly index: number;
  readonly order: UnknownOrder;
  /** Created at its first slice: a check decided early never builds the rest. */
  search: PartitionSearch<State> | undefined;
  /** Steps it has been given. */
  steps: number;
  /** Decided, or dropped because its sibling decided. */
  done: boolean;
}

type Decided<State, Input, Output> = {
  readonly partition: Partition<Input, Output>;
  readonly outcome: SearchOutcome<State>;
};

/**
 * The next search to run: the least served (then the first). Round robin in
 * steps: an easy-to-refute partition is found after about as many steps of
 * each other partition as it needs itself. (Running first the search whose
 * frontier is furthest behind in time was tried: in c50-bad every partition
 * backtracks near its start while the failing one is further on, so it cost
 * more.)
 */
function pickNext<State, Input, Output>(
  running: readonly Running<State, Input, Output>[],
): Running<State, Input, Output> | undefined {
  let best: Running<State, Input, Output> | undefined;
  for (const run of running) if (!run.done && (best === undefined || run.steps < best.steps)) best = run;
  return best;
}

/**
 * Runs the partitions' searches in slices on this one thread (as porcupine's
 * goroutines share a core), round robin (see pickNext): an easy-to-refute
 * partition is found without first exhausting a hard one, and the first
 * failure stops the rest. A partition with unknown-outcome ops gets
 * two searches side by side, one per UnknownOrder (each exhaustive, each far
 * faster than the other on some histories); the first to decide decides the
 * partition and the other is dropped, so a partition costs at most about
 * twice its faster order. Yields after every slice
 * (checkAsync returns to the event loop there).
 */
function* runCheck<State, Input, Output>(
  model: Model<State, Input, Output>,
  prepared: readonly PreparedOp<Input, Output>[],
  semantics: Semantics,
  options: CheckOptions,
  startMs: number,
): Generator<void, CheckResult> {
  const now = options.now ?? defaultNow;
  const cacheAllowance = {
    remaining: options.cacheEntriesMax ?? Infinity,
    bytesRemaining: options.memoryBytesMax ?? defaultMemoryBytesMax,
  };
  const control = { shouldStop: makeStopper(options, now, startMs), cacheAllowance };
  const partitions = partitionOps(prepared);
  const reports: PartitionReport[] = partitions.map((p) => ({
    key: p.key,
    ops: p.ops.length,
    valid: 'not-checked',
    elapsedMs: 0,
    cacheEntries: 0,
  }));
  const partitionMs = partitions.map(() => 0);
  const running: Running<State, Input, Output>[] = [];
  partitions.forEach((partition, index) => {
    running.push({ partition, index, order: 'lazy', search: undefined, steps: 0, done: false });
    if (partition.ops.some((op) => op.return === undefined))
      running.push({ partition, index, order: 'eager', search: undefined, steps: 0, done: false });
  });
  let failure: Decided<State, Input, Output> | undefined;
  let unknown: Decided<State, Input, Output> | undefined;
  for (;;) {
    const run = pickNext(running);
    if (run === undefined) break;
    const sliceStartMs = now();
    run.search ??= startPartitionSearch(model, run.partition.ops, control, run.order);
    const sliceSteps = Math.min(Math.max(sliceStepsInitial, run.steps), sliceStepsMax);
    const outcome = run.search.resume(sliceSteps);
    run.steps += sliceSteps;
    partitionMs[run.index] = (partitionMs[run.index] ?? 0) + (now() - sliceStartMs);
    yield;
    if (outcome === undefined) continue;
    run.done = true;
    // A sibling out of cache leaves the partition to the other order, if it still runs.
    const siblingRunning = running.some((other) => other !== run && other.index === run.index && !other.done);
    if (outcome.kind === 'unknown' && outcome.reason === 'cache-full' && siblingRunning) continue;
    for (const other of running)
      if (other !== run && other.index === run.index && !other.done) {
        other.search?.abandon();
        other.done = true;
      }
    const valid = outcome.kind === 'linearizable' ? true : outcome.kind === 'not-linearizable' ? false : 'unknown';
    reports[run.index] = {
      key: run.partition.key,
      ops: run.partition.ops.length,
      valid,
      elapsedMs: partitionMs[run.index] ?? 0,
      cacheEntries: outcome.cacheEntries,
    };
    if (outcome.kind === 'not-linearizable') failure ??= { partition: run.partition, outcome };
    if (outcome.kind === 'unknown') unknown ??= { partition: run.partition, outcome };
    const stopAll =
      (outcome.kind === 'not-linearizable' && options.stopAtFirstFailure !== false) ||
      (outcome.kind === 'unknown' && outcome.reason !== 'cache-full');
    if (stopAll) {
      reportUnfinished(reports, running, partitionMs);
      break;
    }
  }
  const summary = {
    model: model.name,
    semantics,
    ops: prepared.length,
    partitions: reports,
    elapsedMs: now() - startMs,
  };
  if (failure?.outcome.kind === 'not-linearizable')
    return { ...summary, valid: false, ...explainFailure(model, failure.partition, failure.outcome) };
  if (unknown?.outcome.kind === 'unknown')
    return { ...summary, valid: 'unknown', ...explainUnknown(unknown.partition, unknown.outcome) };
  return { ...summary, valid: true };
}

/** Partitions stopped undecided keep 'not-checked', with the time and cache they used. */
function reportUnfinished<State, Input, Output>(
  reports: PartitionReport[],
  running: readonly Running<State, Input, Output>[],
  partitionMs: readonly number[],
): void {
  for (const run of running) {
    const report = reports[run.index];
    if (report?.valid !== 'not-checked') continue;
    reports[run.index] = {
      key: run.partition.key,
      ops: run.partition.ops.length,
      valid: 'not-checked',
      elapsedMs: partitionMs[run.index] ?? 0,
      cacheEntries: report.cacheEntries + (run.search?.cacheEntries ?? 0),
    };
  }
}

function refAt<Input, Output>(partition: Partition<Input, Output>, op: number | undefined): OpRef | null {
  return op === undefined ? null : (partition.ops[op]?.ref ?? null);
}

function explainFailure<State, Input, Output>(
  model: Model<State, Input, Output>,
  partition: Partition<Input, Output>,
  outcome: SearchOutcome<State> & { kind: 'not-linearizable' },
) {
  const op = refAt(partition, outcome.failing);
  if (op === null) throw new Error(`internal error: failing operation ${outcome.failing} is outside its partition`);
  const finalPaths: FinalPath[] = [];
  for (const configuration of outcome.configurations) {
    const steps = configuration.path.map((step) => ({
      op: refAt(partition, step.op) ?? op,
      model: model.describeState(step.stateAfter),
    }));
    for (const attempt of configuration.attempts) {
      finalPaths.push({ steps, failure: { op: refAt(partition, attempt.op) ?? op, message: attempt.message } });
    }
  }
  return { partition: partition.key, op, previousOk: refAt(partition, outcome.previousOk), finalPaths };
}

function explainUnknown<State, Input, Output>(
  partition: Partition<Input, Output>,
  outcome: SearchOutcome<State> & { kind: 'unknown' },
) {
  const frontier = refAt(partition, outcome.frontier);
  const frontierReturn = outcome.frontier === undefined ? undefined : partition.ops[outcome.frontier]?.return;
  const okOps =
    frontierReturn === undefined
      ? 0
      : partition.ops.filter((op) => op.return !== undefined && op.return < frontierReturn).length;
  return {
    reason: outcome.reason,
    partition: partition.key,
    longestPrefix: { okOps, lastOk: refAt(partition, outcome.previousOk), frontier },
  };
}
