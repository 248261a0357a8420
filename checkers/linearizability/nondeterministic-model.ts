// Non-deterministic specifications (an operation may lead to several states)
// are checked through the powerset construction, as knossos and porcupine do:
// the search's state is the set of states the system may be in, and a step is
// legal when at least one member can take it.
import type { HistoryCall, DecodedCall, Model } from './model.js';

/** A specification whose step returns every possible next state (none = impossible). */
export interface NondeterministicSpec<State, Input, Output> {
  readonly name: string;
  /** The possible initial states. */
  init(): readonly State[];
  step(state: State, input: Input, output: Output | undefined): readonly State[];
  equal(a: State, b: State): boolean;
  hash(state: State): number;
  decode(call: HistoryCall): DecodedCall<Input, Output>;
  partitionKey?(input: Input): string | undefined;
  isReadOnly?(input: Input): boolean;
  describeOperation(input: Input, output: Output | undefined): string;
  describeState(state: State): string;
}

function dedupe<State>(
  states: readonly State[],
  spec: NondeterministicSpec<State, unknown, unknown>,
): readonly State[] {
  const out: State[] = [];
  for (const state of states)
    if (!out.some((known) => spec.hash(known) === spec.hash(state) && spec.equal(known, state))) out.push(state);
  return out;
}

/** Lifts a non-deterministic specification into a (deterministic) model over sets of states. */
export function nondeterministicModel<State, Input, Output>(
  spec: NondeterministicSpec<State, Input, Output>,
): Model<readonly State[], Input, Output> {
  const erased = spec as unknown as NondeterministicSpec<State, unknown, unknown>;
  const model: Model<readonly State[], Input, Output> = {
    name: spec.name,
    init: () => dedupe(spec.init(), erased),
    step: (states, input, output) => {
      const next = dedupe(
        states.flatMap((state) => spec.step(state, input, output)),
        erased,
      );
      return next.length === 0 ? undefined : next;
    },
    equal: (a, b) => a.length === b.length && a.every((x) => b.some((y) => spec.equal(x, y))),
    // Order-independent: the same set built in another order hashes alike.
    hash: (states) => states.reduce((h, state) => (h + Math.imul(spec.hash(state) | 1, 0x9e3779b1)) | 0, 0),
    decode: (call) => spec.decode(call),
    describeOperation: (input, output) => spec.describeOperation(input, output),
    describeState: (states) => `one of {${states.map((state) => spec.describeState(state)).join(', ')}}`,
    explainFailure: (states, input, output) =>
      `no possible state (${states.map((state) => spec.describeState(state)).join(', ')}) allows ${spec.describeOperation(input, output)}`,
  };
  const partitionKey = spec.partitionKey?.bind(spec);
  const isReadOnly = spec.isReadOnly?.bind(spec);
  return { ...model, ...(partitionKey ? { partitionKey } : {}), ...(isReadOnly ? { isReadOnly } : {}) };
}
