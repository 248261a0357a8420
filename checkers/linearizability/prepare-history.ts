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
  constructor(readonly op: HistoryOp, readonly reason: string) {
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
    case 'ok': return 'ok';
    case 'info': return 'unknown';
    case 'invoke': return 'unknown';
    case 'fail':
      if (semantics === 'knossos') return 'drop';
      if (completion.f === 'cas') return 'fail';
      return completion.error === 'timed-out' || completion.value === 'timed-out' ? 'unknown' : 'drop';
  }
}

interface Pair { readonly invoke: HistoryOp; readonly invokePosition: number; readonly completion?: HistoryOp; readonly completionPosition?: number }

/** Matches each invocation with its process's next completion; rejects malformed sequences. */
function pairEvents(history: readonly HistoryOp[]): Pair[] {
  const pending = new Map<number | string, Pair>();
  const pairs: Pair[] = [];
  history.forEach((op, position) => {
    if (!isClientProcess(op.process)) return;
    const open = pending.get(op.process);
    if (op.type === 'invoke') {
      if (open !== undefined) throw new HistoryError(op, `process ${op.process} invokes ${op.f} while its ${open.invoke.f} invoked at index ${open.invoke.index} is still pending`);
      pending.set(op.process, { invoke: op, invokePosition: position });
      return;
    }
    if (open === undefined) throw new HistoryError(op, `${op.type} ${op.f} of process ${op.process} has no pending invocation`);
    if (open.invoke.f !== op.f) throw new HistoryError(op, `process ${op.process} completes ${op.f} but invoked ${open.invoke.f} (index ${open.invoke.index})`);
    pending.delete(op.process);
    pairs.push({ ...open, completion: op, completionPosition: position });
  });
  for (const open of pending.values()) pairs.push(open);
  return pairs;
}

function refOf(call: HistoryCall, pair: Pair, description: string): OpRef {
  const named = call.outcome === 'unknown' ? pair.invoke : (pair.completion ?? pair.invoke);
  const type = call.outcome === 'ok' ? 'ok' : call.outcome === 'fail' ? 'fail' : 'info';
  return {
    index: named.index,
    invokeIndex: pair.invoke.index,
    process: pair.invoke.process,
    type,
    f: pair.invoke.f,
    ...(pair.invoke.key !== undefined ? { key: pair.invoke.key } : {}),
    value: named.value,
    description,
  };
}

/** Prepares a history for the search: pairs events, applies the semantics, decodes with the model. */
export function prepareHistory<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly HistoryOp[],
  options: PrepareOptions,
): PreparedOp<Input, Output>[] {
  const clients = history.filter((op) => isClientProcess(op.process));
  const useTime = options.semantics === 'porcupine' && clients.length > 0 && clients.every((op) => typeof op.time === 'number');
  const prepared: PreparedOp<Input, Output>[] = [];
  for (const pair of pairEvents(history)) {
    let outcome = outcomeOf(pair.completion, options.semantics);
    if (outcome === 'drop') continue;
    if (options.nilReadMatchesAny === true && outcome === 'ok' && pair.invoke.f === 'read' && pair.completion?.value === null) outcome = 'unknown';
    const call: HistoryCall = {
      process: pair.invoke.process,
      f: pair.invoke.f,
      ...(pair.invoke.key !== undefined ? { key: pair.invoke.key } : {}),
      invokeValue: pair.invoke.value,
      completionValue: outcome === 'unknown' ? null : (pair.completion?.value ?? null),
      outcome,
    };
    let decoded;
    try {
      decoded = model.decode(call);
    } catch (error) {
      if (error instanceof ModelInputError) throw new HistoryError(pair.invoke, `${model.name} model: ${error.message}`);
      throw error;
    }
    if (outcome === 'unknown' && model.isReadOnly?.(decoded.input) === true) continue;
    const callTime = useTime ? (pair.invoke.time ?? 0) : pair.invokePosition;
    const returnTime = useTime ? pair.completion?.time : pair.completionPosition;
    const output = outcome === 'unknown' ? undefined : decoded.output;
    prepared.push({
      process: pair.invoke.process,
      call: callTime,
      ...(outcome === 'unknown' ? {} : { return: returnTime ?? callTime }),
      input: decoded.input,
      output: decoded.output,
      ref: refOf(call, pair, model.describeOperation(decoded.input, output)),
      partitionKey: model.partitionKey?.(decoded.input),
    });
  }
  return prepared;
}
