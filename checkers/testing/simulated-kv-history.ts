// Histories of porcupine's get/put/append key-value store under random
// concurrency, rich in unknown outcomes: every operation takes effect at one
// instant between its invocation and its completion (or, for an `info`, at an
// instant after its invocation, or never), so the history is linearizable by
// construction. A `buggy` store sometimes loses an append, which makes most
// such histories not linearizable. Used by the property tests and the benchmark.
import type { HistoryOp } from '../history/history-op.js';
import { SeededRandom } from './seeded-random.js';

/** Shape of a simulated kv history. */
export interface KvSimulationOptions {
  readonly seed: number;
  /** Operations to invoke. */
  readonly ops: number;
  /** Concurrent client processes. */
  readonly processes: number;
  /** Keys (each an independent string). */
  readonly keys: number;
  /** Fraction of put/append operations whose outcome is unknown (info). */
  readonly unknownRate: number;
  /** Relative weights of get, put and append (default 45:40:15). */
  readonly mix?: readonly [number, number, number];
  /** A store that acknowledges some appends without applying them (default false). */
  readonly buggy?: boolean;
}

interface Pending {
  readonly process: number;
  readonly f: 'get' | 'put' | 'append';
  readonly key: string;
  readonly value: string;
  applied: boolean;
  result: string;
}

/** Simulates a history of a kv store (absent keys read as ""), in porcupine-kv's op vocabulary. */
export function simulateKvHistory(options: KvSimulationOptions): HistoryOp[] {
  const random = new SeededRandom(options.seed);
  const [getWeight, putWeight, appendWeight] = options.mix ?? [45, 40, 15];
  const total = getWeight + putWeight + appendWeight;
  const store = new Map<string, string>();
  const slots: (Pending | undefined)[] = Array.from({ length: options.processes }, () => undefined);
  const processIds = Array.from({ length: options.processes }, (_, i) => i);
  let nextProcess = options.processes;
  const history: HistoryOp[] = [];
  let invoked = 0;
  const emit = (op: Omit<HistoryOp, 'index'>): void => {
    history.push({ ...op, index: history.length });
  };
  while (invoked < options.ops || slots.some((slot) => slot !== undefined)) {
    const slot = random.below(options.processes);
    const pending = slots[slot];
    const process = processIds[slot] ?? slot;
    if (pending === undefined) {
      if (invoked >= options.ops) continue;
      const key = String(random.below(options.keys));
      const roll = random.next() * total;
      const f = roll < getWeight ? 'get' : roll < getWeight + putWeight ? 'put' : 'append';
      const value = f === 'get' ? '' : `x ${process} ${invoked} y`;
      invoked += 1;
      slots[slot] = { process, f, key, value, applied: false, result: '' };
      emit({ process, type: 'invoke', f, key, value: f === 'get' ? null : value });
      continue;
    }
    if (!pending.applied && random.next() < 0.5) {
      applyOp(pending, store, options.buggy === true && random.next() < 0.05);
      continue;
    }
    // An unknown outcome: the write may have been applied (or be applied later, or never).
    if (pending.f !== 'get' && random.next() < options.unknownRate) {
      if (!pending.applied && random.next() < 0.5) applyOp(pending, store, false);
      emit({ process, type: 'info', f: pending.f, key: pending.key, value: pending.value });
      processIds[slot] = nextProcess++;
      slots[slot] = undefined;
      continue;
    }
    if (!pending.applied) continue;
    emit({
      process,
      type: 'ok',
      f: pending.f,
      key: pending.key,
      value: pending.f === 'get' ? pending.result : pending.value,
    });
    slots[slot] = undefined;
  }
  return history;
}

function applyOp(pending: Pending, store: Map<string, string>, lose: boolean): void {
  pending.applied = true;
  const current = store.get(pending.key) ?? '';
  if (pending.f === 'get') {
    pending.result = current;
    return;
  }
  if (lose) return;
  store.set(pending.key, pending.f === 'put' ? pending.value : current + pending.value);
}

/** Renders a kv history in porcupine's kv log format (one EDN map per line), for porcupine itself. */
export function kvHistoryToPorcupineLog(history: readonly HistoryOp[]): string {
  return history
    .map((op) => {
      const value = op.value === null ? 'nil' : JSON.stringify(op.value);
      return `{:process ${String(op.process)}, :type :${op.type}, :f :${op.f}, :key ${JSON.stringify(op.key ?? '')}, :value ${value}}\n`;
    })
    .join('');
}
