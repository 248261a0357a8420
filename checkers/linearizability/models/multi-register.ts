// knossos's multi-register: a map of registers read and written by
// transactions `[[f key value] …]` that apply atomically. Keys and values are
// interned; a state is an array of value ids indexed by key id. Not
// partitioned: one transaction may span several keys.
import type { HistoryValue } from '../../history/history-op.js';
import { ModelInputError } from '../model.js';
import type { HistoryCall, Model } from '../model.js';
import { ValueInterner } from '../value-interner.js';

/** One micro-operation of a transaction (key and value interned; value -1 = a read of nil, which knossos leaves unconstrained). */
export interface MicroOp {
  readonly kind: 'read' | 'write';
  readonly key: number;
  readonly value: number;
}

/** Options of the multi-register model. */
export interface MultiRegisterOptions {
  /** Initial registers, e.g. {x: 0, y: 0}; absent keys start as nil. */
  readonly initial?: HistoryValue;
}

const unconstrained = -1;

function decodeTxn(call: HistoryCall, keys: ValueInterner, values: ValueInterner): readonly MicroOp[] {
  if (call.f !== 'txn') throw new ModelInputError(`unsupported operation "${call.f}" (expected txn)`);
  const source = call.outcome === 'ok' ? call.completionValue : call.invokeValue;
  if (!Array.isArray(source))
    throw new ModelInputError(`txn value must be a vector of [f key value], got ${JSON.stringify(source)}`);
  return (source as readonly HistoryValue[]).map((micro) => {
    if (!Array.isArray(micro) || micro.length !== 3)
      throw new ModelInputError(`malformed micro-op ${JSON.stringify(micro)}`);
    const [f, key = null, value = null] = micro as readonly HistoryValue[];
    if (f !== 'read' && f !== 'write')
      throw new ModelInputError(`micro-op must be read or write, got ${JSON.stringify(f)}`);
    const id = f === 'read' && value === null ? unconstrained : values.intern(value);
    return { kind: f, key: keys.intern(key), value: id };
  });
}

function registerOf(state: readonly number[], key: number, initial: readonly number[], nil: number): number {
  return state[key] ?? initial[key] ?? nil;
}

/** knossos's multi-register over transactions of reads and writes. */
export function multiRegisterModel(
  options: MultiRegisterOptions = {},
): Model<readonly number[], readonly MicroOp[], null> {
  const keys = new ValueInterner();
  const values = new ValueInterner();
  const nil = values.intern(null);
  const initial: number[] = [];
  const source = options.initial ?? {};
  if (source === null || typeof source !== 'object' || Array.isArray(source))
    throw new ModelInputError('multi-register initial value must be a map of key to value');
  for (const [key, value] of Object.entries(source)) initial[keys.intern(key)] = values.intern(value);
  const show = (state: readonly number[]): string =>
    `{${Array.from({ length: Math.max(state.length, initial.length) }, (_, k) => `${keys.value(k) as string} ${values.show(registerOf(state, k, initial, nil))}`).join(', ')}}`;
  return {
    name: 'multi-register',
    init: () => initial.map((v) => v),
    step: (state, txn) => {
      let next: number[] | undefined;
      for (const micro of txn) {
        const current = registerOf(next ?? state, micro.key, initial, nil);
        if (micro.kind === 'read') {
          if (micro.value !== unconstrained && micro.value !== current) return undefined;
          continue;
        }
        if (current === micro.value) continue;
        next ??= state.slice();
        next[micro.key] = micro.value;
      }
      return next ?? state;
    },
    equal: (a, b) => {
      const length = Math.max(a.length, b.length);
      for (let k = 0; k < length; k += 1)
        if (registerOf(a, k, initial, nil) !== registerOf(b, k, initial, nil)) return false;
      return true;
    },
    hash: (state) => {
      // A sum over non-nil registers: equal states of different array lengths hash alike.
      let h = 0;
      const length = Math.max(state.length, initial.length);
      for (let k = 0; k < length; k += 1) {
        const v = registerOf(state, k, initial, nil);
        if (v !== nil) h = (h + Math.imul(k + 1, 0x9e3779b1) * (v + 1)) | 0;
      }
      return h;
    },
    decode: (call) => ({ input: decodeTxn(call, keys, values), output: null }),
    isReadOnly: (txn) => txn.every((micro) => micro.kind === 'read'),
    inputKey: (txn) => txn.map((m) => `${m.kind} ${m.key} ${m.value}`).join(','),
    describeOperation: (txn) =>
      `txn [${txn.map((m) => `[${m.kind} ${keys.value(m.key) as string} ${m.value === unconstrained ? 'nil' : values.show(m.value)}]`).join(' ')}]`,
    describeState: show,
    explainFailure: (state, txn) =>
      `can't execute txn with registers ${show(state)}: ${txn.map((m) => `${m.kind} ${keys.value(m.key) as string}`).join(', ')}`,
  };
}
