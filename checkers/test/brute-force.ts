// A dumb reference checker for cross-checking the search on small histories:
// it tries every order of the operations that respects real time, with every
// subset of the unknown-outcome operations. Exponential; use on ≤ 8 ops.
import type { Model, Operation } from '../linearizability/index.js';

/** True when some linearization exists. */
export function bruteForceLinearizable<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
): boolean {
  const done = new Array<boolean>(ops.length).fill(false);
  const explore = (state: State): boolean => {
    const pendingRequired = ops.filter((op, i) => !done[i] && op.return !== undefined);
    if (pendingRequired.length === 0) return true;
    // An op can go next only if it was invoked before every pending completed op returned.
    const horizon = Math.min(...pendingRequired.map((op) => op.return ?? Infinity));
    for (let i = 0; i < ops.length; i += 1) {
      const op = ops[i];
      if (op === undefined || done[i] || op.call > horizon) continue;
      const next = model.step(state, op.input, op.return === undefined ? undefined : op.output);
      if (next === undefined) continue;
      done[i] = true;
      const found = explore(next);
      done[i] = false;
      if (found) return true;
    }
    return false;
  };
  return explore(model.init());
}
