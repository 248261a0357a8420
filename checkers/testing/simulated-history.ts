// Histories produced by running a sequential cas-register store under random
// concurrency: every operation takes effect at one instant between its
// invocation and its completion, so the history is linearizable by
// construction. Used by the property tests and the benchmark.
import type { HistoryOp, HistoryValue } from '../history/history-op.js';
import { SeededRandom } from './seeded-random.js';

/** Shape of a simulated history. */
export interface SimulationOptions {
  readonly seed: number;
  /** Operations to invoke (the history has about twice as many events). */
  readonly ops: number;
  /** Concurrent client processes. */
  readonly processes: number;
  /** Keys (each an independent register); 0 means ops carry no key. */
  readonly keys: number;
  /** Fraction of operations whose outcome is unknown (info). */
  readonly unknownRate: number;
  /** Distinct values written (small = more collisions, harder search). */
  readonly values?: number;
  /** Whether to issue cas operations. */
  readonly cas?: boolean;
}

interface Pending {
  readonly process: number;
  readonly f: 'read' | 'write' | 'cas';
  readonly key: string | undefined;
  readonly value: HistoryValue;
  applied: boolean;
  result: HistoryValue;
  failed: boolean;
}

/** Simulates a linearizable history of a keyed cas-register store (initial value null). */
export function simulateRegisterHistory(options: SimulationOptions): HistoryOp[] {
  const random = new SeededRandom(options.seed);
  const values = options.values ?? 5;
  const store = new Map<string | undefined, HistoryValue>();
  const slots: (Pending | undefined)[] = Array.from({ length: options.processes }, () => undefined);
  const processIds = Array.from({ length: options.processes }, (_, i) => i);
  let nextProcess = options.processes;
  const history: HistoryOp[] = [];
  let invoked = 0;
  const emit = (op: Omit<HistoryOp, 'index' | 'time'>): void => {
    history.push({ ...op, index: history.length, time: history.length * 1000 });
  };
  while (invoked < options.ops || slots.some((slot) => slot !== undefined)) {
    const slot = random.below(options.processes);
    const pending = slots[slot];
    const process = processIds[slot] ?? slot;
    if (pending === undefined) {
      if (invoked >= options.ops) continue;
      invoked += 1;
      const key = options.keys > 0 ? String(random.below(options.keys)) : undefined;
      const roll = random.next();
      const f = roll < 0.4 ? 'read' : options.cas === true && roll > 0.75 ? 'cas' : 'write';
      const value: HistoryValue =
        f === 'read' ? null : f === 'cas' ? [random.below(values), random.below(values)] : random.below(values);
      slots[slot] = { process, f, key, value, applied: false, result: null, failed: false };
      emit({ process, type: 'invoke', f, ...(key !== undefined ? { key } : {}), value });
      continue;
    }
    if (!pending.applied && random.next() < 0.5) {
      applyOp(pending, store);
      continue;
    }
    if (!pending.applied && random.next() > options.unknownRate / 2) continue;
    const unknown = random.next() < options.unknownRate / 2 || !pending.applied;
    const keyField = pending.key !== undefined ? { key: pending.key } : {};
    if (unknown) {
      emit({ process, type: 'info', f: pending.f, ...keyField, value: pending.value, error: 'timeout' });
      processIds[slot] = nextProcess++;
    } else if (pending.failed) {
      emit({ process, type: 'fail', f: pending.f, ...keyField, value: pending.value });
    } else {
      emit({
        process,
        type: 'ok',
        f: pending.f,
        ...keyField,
        value: pending.f === 'read' ? pending.result : pending.value,
      });
    }
    slots[slot] = undefined;
  }
  return history;
}

function applyOp(pending: Pending, store: Map<string | undefined, HistoryValue>): void {
  pending.applied = true;
  const current = store.get(pending.key) ?? null;
  if (pending.f === 'read') {
    pending.result = current;
    return;
  }
  if (pending.f === 'write') {
    store.set(pending.key, pending.value);
    return;
  }
  const [from, to] = pending.value as readonly HistoryValue[];
  if (current === from) store.set(pending.key, to ?? null);
  else pending.failed = true;
}
