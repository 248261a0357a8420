// Pairs the invocations of a history with their completions. A client process
// runs one op at a time (Jepsen's rule), so its next completion completes its
// pending invoke. The rollout and nemesis processes are paired per `f`,
// oldest first, so a tool that overlaps two different steps still pairs right.
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
    const position = pending.get(key)?.shift();
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
