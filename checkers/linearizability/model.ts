// The model interface: a sequential specification the checker searches against.
// It is deliberately small (porcupine's Model plus a decoder from Jepsen ops)
// so that users can write their own; see checkers/README.md for an example.
import type { HistoryValue } from '../history/history-op.js';

/** An operation as the model receives it from a history: invocation plus completion. */
export interface HistoryCall {
  readonly process: number | string;
  readonly f: string;
  readonly key?: string;
  /** The value of the invocation (a cas's `[old, new]`, a write's value, a read's nil). */
  readonly invokeValue: HistoryValue;
  /** The value of the completion (a read's result); null when unknown. */
  readonly completionValue: HistoryValue;
  /**
   * ok: it happened with this result; fail: kept failure (porcupine semantics:
   * a failed cas is a compare that failed); unknown: it may or may not have
   * taken effect (`:info`, or never completed).
   */
  readonly outcome: 'ok' | 'fail' | 'unknown';
}

/** What `decode` makes of a history call. `output` is ignored for unknown outcomes. */
export interface DecodedCall<Input, Output> {
  readonly input: Input;
  readonly output: Output;
}

/** A model rejected an operation it cannot represent (wrong f, malformed value). */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
  readonly code = 'model-input';
}

/**
 * A sequential specification. `step` is pure: it returns the state after
 * applying `input` with result `output`, or undefined when that result is
 * impossible in `state`. For an operation with unknown outcome, `output` is
 * undefined: return the state as if it took effect (the checker separately
 * considers that it did not).
 */
export interface Model<State, Input, Output> {
  readonly name: string;
  init(): State;
  step(state: State, input: Input, output: Output | undefined): State | undefined;
  /** State equality, used with `hash` by the search's memoization cache. */
  equal(a: State, b: State): boolean;
  /** A 32-bit integer hash consistent with `equal`. */
  hash(state: State): number;
  /** Turns a Jepsen operation into an input and output (throw ModelInputError if impossible). */
  decode(call: HistoryCall): DecodedCall<Input, Output>;
  /**
   * P-compositionality: operations with different keys are independent and
   * checked separately. Return undefined when the model does not partition.
   */
  partitionKey?(input: Input): string | undefined;
  /** True when the operation never changes the state (then an unknown outcome is dropped). */
  isReadOnly?(input: Input): boolean;
  /**
   * An exact identity of the input: equal keys mean the inputs step alike in
   * every state. Lets the search treat pending unknown-outcome operations with
   * the same input as interchangeable (it only tries the earliest invoked).
   * Omit it unless it is exact.
   */
  inputKey?(input: Input): string;
  /**
   * True when the operation is a blind write: the state after it, and whether
   * its output is possible, do not depend on the state before it (a register's
   * write, a kv put). The search then first tries disposing of pending
   * unknown-outcome ops just before it (see search.ts). Omit it unless exact.
   */
  overwritesState?(input: Input): boolean;
  describeOperation(input: Input, output: Output | undefined): string;
  describeState(state: State): string;
  /** Why `step` refused: knossos-style, e.g. "can't read 3 from register 0". */
  explainFailure?(state: State, input: Input, output: Output | undefined): string;
}

/** A model with its type parameters erased, as held in registries and results. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any, any, any>;
