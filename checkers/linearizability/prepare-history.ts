// Turns a history (events) into operations for the search, under one of the
// two documented semantics:
//  - knossos: the order of events is real-time order; `fail` ops did not
//    happen and are dropped; `info` ops (and invocations never completed) may
//    or may not have happened, at any point after their invocation.
//  - porcupine: call/return times come from `time` when every client event has
//    one (else from positions); intervals are closed; a failed cas is kept as a
//    compare that failed at its linearization point; a fail with error
//    "timed-out" is an unknown outcome; other fails are dropped.
import { isClientProcess } from '../history/history-op.js';
import type { HistoryOp } from '../history/history-op.js';
import type { OpRef, Semantics } from './check-result.js';
import { ModelInputError } from './model.js';
import type { HistoryCall, Model } from './model.js';
import type { Operation } from './operation.js';

/** A history that is not a well-formed sequence of invocations and completions. */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';
  readonly code = 'invalid-history';
  /** The 1-based line of the offending op in its file, when known. */
  readonly line: number | undefined;
  constructor(
    readonly op: HistoryOp,
    readonly reason: string,
  ) {
    super(`${op.line !== undefined ? `line ${op.line}` : `op ${op.index}`}: ${reason}`);
    this.line = op.line;
  }
}

/** An operation ready for the search, with the reference results print. */
export interface PreparedOp<Input, Output> extends Operation<Input, Output> {
  readonly ref: OpRef;
  readonly partitionKey: string | undefined;
}

/** How to read a history. */
export interface PrepareOptions {
  readonly semantics: Semantics;
  /**
   * knossos's register models accept any value for an ok read of nil (Jepsen
   * EDN histories use nil for "not recorded"). On: such reads are unknown.
   */
  readonly nilReadMatchesAny?: boolean;
}

type Outcome = HistoryCall['outcome'];

function outcomeOf(completion: HistoryOp | undefined, semantics: Semantics): Outcome | 'drop' {
  if (completion === undefined) return 'unknown';
  switch (completion.type) {
    case 'ok':
      return 'ok';
    case 'info':
      return 'unknown';
    case 'invoke':
      return 'unknown';
    case 'fail':
      if (semantics === 'knossos') return 'drop';
      if (completion.f === 'cas') return 'fail';
      return completion.error === 'timed-out' || completion.value === 'timed-out' ? 'unknown' : 'drop';
  }
}

/** An invocation and its completion, as positions in the history (-1: never completed). */
interface Pair {
  readonly invoke: number;
  readonly completion: number;
}

/** Matches each invocation with its process's next completion; rejects malformed sequences. */
function pairEvents(history: readonly HistoryOp[]): Pair[] {
  const pending = new Map<number | string, number>();
  const pairs: Pair[] = [];
  for (let position = 0; position < history.length; position += 1) {
    const op = history[position] as HistoryOp;
    if (!isClientProcess(op.process)) continue;
    const open = pending.get(op.process);
    const invoke = open === undefined ? undefined : history[open];
    if (op.type === 'invoke') {
      if (invoke !== undefined)
        throw new HistoryError(
          op,
          `process ${op.process} invokes ${op.f} while its ${invoke.f} invoked at index ${invoke.index} is still pending`,
        );
      pending.set(op.process, position);
      continue;
    }
    if (invoke === undefined || open === undefined)
      throw new HistoryError(op, `${op.type} ${op.f} of process ${op.process} has no pending invocation`);
    if (invoke.f !== op.f)
      throw new HistoryError(
        op,
        `process ${op.process} completes ${op.f} but invoked ${invoke.f} (index ${invoke.index})`,
      );
    pending.delete(op.process);
    pairs.push({ invoke: open, completion: position });
  }
  for (const open of pending.values()) pairs.push({ invoke: open, completion: -1 });
  return pairs;
}

/**
 * A prepared op whose reference (with the model's description of it) is built
 * only when a result or the visualization names it: describing every op of a
 * 100k-op history up front cost more than searching it.
 */
class LazyPreparedOp<Input, Output> implements PreparedOp<Input, Output> {
  private cachedRef: OpRef | undefined;
  readonly return: number | undefined;
  constructor(
    readonly process: number | string,
    readonly call: number,
    returnTime: number | undefined,
    readonly input: Input,
    readonly output: Output,
    readonly partitionKey: string | undefined,
    private readonly outcome: Outcome,
    private readonly invoke: HistoryOp,
    private readonly completion: HistoryOp | undefined,
    private readonly describe: (input: Input, output: Output | undefined) => string,
  ) {
    this.return = returnTime;
  }

  get ref(): OpRef {
    this.cachedRef ??= this.makeRef();
    return this.cachedRef;
  }

  private makeRef(): OpRef {
    const unknown = this.outcome === 'unknown';
    const named = unknown ? this.invoke : (this.completion ?? this.invoke);
    const type = this.outcome === 'ok' ? 'ok' : this.outcome === 'fail' ? 'fail' : 'info';
    return {
      index: named.index,
      invokeIndex: this.invoke.index,
      process: this.invoke.process,
      type,
      f: this.invoke.f,
      ...(this.invoke.key !== undefined ? { key: this.invoke.key } : {}),
      value: named.value,
      description: this.describe(this.input, unknown ? undefined : this.output),
    };
  }
}

function usesTime(history: readonly HistoryOp[], semantics: Semantics): boolean {
  if (semantics !== 'porcupine') return false;
  let clients = 0;
  for (const op of history) {
    if (!isClientProcess(op.process)) continue;
    if (typeof op.time !== 'number') return false;
    clients += 1;
  }
  return clients > 0;
}

/** Prepares a history for the search: pairs events, applies the semantics, decodes with the model. */
export function prepareHistory<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly HistoryOp[],
  options: PrepareOptions,
): PreparedOp<Input, Output>[] {
  const useTime = usesTime(history, options.semantics);
  const describe = (input: Input, output: Output | undefined): string => model.describeOperation(input, output);
  const prepared: PreparedOp<Input, Output>[] = [];
  for (const pair of pairEvents(history)) {
    const invoke = history[pair.invoke] as HistoryOp;
    const completion = pair.completion < 0 ? undefined : history[pair.completion];
    let outcome = outcomeOf(completion, options.semantics);
    if (outcome === 'drop') continue;
    if (options.nilReadMatchesAny === true && outcome === 'ok' && invoke.f === 'read' && completion?.value === null)
      outcome = 'unknown';
    const call: HistoryCall = {
      process: invoke.process,
      f: invoke.f,
      key: invoke.key,
      invokeValue: invoke.value,
      completionValue: outcome === 'unknown' ? null : (completion?.value ?? null),
      outcome,
    };
    let decoded;
    try {
      decoded = model.decode(call);
    } catch (error) {
      if (error instanceof ModelInputError) throw new HistoryError(invoke, `${model.name} model: ${error.message}`);
      throw error;
    }
    if (outcome === 'unknown' && model.isReadOnly?.(decoded.input) === true) continue;
    const callTime = useTime ? (invoke.time ?? 0) : pair.invoke;
    const returnTime = outcome === 'unknown' ? undefined : useTime ? (completion?.time ?? callTime) : pair.completion;
    const partitionKey = model.partitionKey?.(decoded.input);
    prepared.push(
      new LazyPreparedOp(
        invoke.process,
        callTime,
        returnTime,
        decoded.input,
        decoded.output,
        partitionKey,
        outcome,
        invoke,
        completion,
        describe,
      ),
    );
  }
  return prepared;
}
