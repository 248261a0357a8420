// Pairs the invocations of a history with their completions. A client process
// runs one op at a time (Jepsen's rule), so its next completion completes its
// pending invoke. The rollout and nemesis processes are paired per `f`,
// oldest first, so a tool that overlaps two different steps still pairs right;
// a rollout op that names its step (the value's `step`, on the invoke and
// its completion) pairs within that step, so two requests of one kind sent
// at once (a step and its companion) pair right whichever answers first.
import { isClientProcess } from '../history/index.js';
import type { HistoryOp } from '../history/index.js';

/** An invocation and its completion (undefined: the history ends before it completed). */
export interface OpPair {
  readonly invoke: HistoryOp;
  readonly completion: HistoryOp | undefined;
}

function pairKey(op: HistoryOp): string {
  return isClientProcess(op.process) ? `client ${op.process}` : `${op.process} ${op.f}`;
}

/** The step a rollout op names (its value's `step`), if any. */
function stepOf(op: HistoryOp): string | undefined {
  const value = op.value;
  const step =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as { readonly step?: unknown }).step
      : undefined;
  return typeof step === 'string' ? step : undefined;
}

/** Every invocation with its completion, in invocation order (completions without an invoke are dropped). */
export function pairOps(history: readonly HistoryOp[]): OpPair[] {
  const invokes: HistoryOp[] = [];
  const completions: (HistoryOp | undefined)[] = [];
  const pending = new Map<string, number[]>();
  for (const op of history) {
    const key = pairKey(op);
    if (op.type === 'invoke') {
      const queue = pending.get(key) ?? [];
      queue.push(invokes.length);
      pending.set(key, queue);
      invokes.push(op);
      completions.push(undefined);
      continue;
    }
    const queue = pending.get(key);
    if (queue === undefined || queue.length === 0) continue;
    // The oldest pending invoke of the completion's step, else the oldest pending one.
    const step = isClientProcess(op.process) ? undefined : stepOf(op);
    const at =
      step === undefined
        ? 0
        : Math.max(
            0,
            queue.findIndex((position) => stepOf(invokes[position]!) === step),
          );
    const [position] = queue.splice(at, 1);
    if (position !== undefined) completions[position] = op;
  }
  return invokes.map((invoke, position) => ({ invoke, completion: completions[position] }));
}

/** The ok completion of a pair, if it has one. */
export function okOf(pair: OpPair): HistoryOp | undefined {
  return pair.completion?.type === 'ok' ? pair.completion : undefined;
}

/** The op that stands for a pair in findings: its completion when it has one, else its invoke. */
export function pairOpIndex(pair: OpPair): number {
  return (pair.completion ?? pair.invoke).index;
}
