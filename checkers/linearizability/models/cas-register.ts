// knossos's cas-register (and, without cas, its register): one value, read /
// write / compare-and-set. Values are interned to integers so a state is a
// number and the search compares and hashes it for free. Operations that carry
// a key address independent registers, checked as separate partitions.
import type { HistoryValue } from '../../history/history-op.js';
import { ModelInputError } from '../model.js';
import type { HistoryCall, Model } from '../model.js';
import { ValueInterner } from '../value-interner.js';

/** A register operation: read, write, or cas from `value` to `newValue` (interned ids). */
export interface RegisterInput {
  readonly kind: 'read' | 'write' | 'cas';
  readonly key: string | undefined;
  readonly value: number;
  readonly newValue: number;
}

/** Read: the id of the value read. Cas: whether it succeeded. Write: null. */
export type RegisterOutput = number | boolean | null;

/** Options of the register models. */
export interface RegisterOptions {
  /** Initial value of every register (default null, i.e. absent / nil). */
  readonly initial?: HistoryValue;
}

function decodeCall(
  call: HistoryCall,
  interner: ValueInterner,
  allowCas: boolean,
): { input: RegisterInput; output: RegisterOutput } {
  const key = call.key;
  switch (call.f) {
    case 'read': {
      const output = call.outcome === 'ok' ? interner.intern(call.completionValue) : null;
      return { input: { kind: 'read', key, value: 0, newValue: 0 }, output };
    }
    case 'write':
      return { input: { kind: 'write', key, value: interner.intern(call.invokeValue), newValue: 0 }, output: null };
    case 'cas': {
      const pair = call.invokeValue;
      if (!allowCas) throw new ModelInputError('this register model has no cas (use cas-register)');
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new ModelInputError(`cas value must be [old, new], got ${JSON.stringify(pair)}`);
      const [from = null, to = null] = pair as readonly HistoryValue[];
      return {
        input: { kind: 'cas', key, value: interner.intern(from), newValue: interner.intern(to) },
        output: call.outcome !== 'fail',
      };
    }
    default:
      throw new ModelInputError(`unsupported operation "${call.f}" (expected read, write${allowCas ? ' or cas' : ''})`);
  }
}

function stepRegister(state: number, input: RegisterInput, output: RegisterOutput | undefined): number | undefined {
  switch (input.kind) {
    case 'read':
      return output === undefined || output === state ? state : undefined;
    case 'write':
      return input.value;
    case 'cas':
      if (output === false) return state === input.value ? undefined : state;
      return state === input.value ? input.newValue : undefined;
  }
}

function makeRegister(
  name: string,
  options: RegisterOptions,
  allowCas: boolean,
): Model<number, RegisterInput, RegisterOutput> {
  const interner = new ValueInterner();
  const initial = interner.intern(options.initial ?? null);
  const show = (id: number): string => interner.show(id);
  return {
    name,
    init: () => initial,
    step: stepRegister,
    equal: (a, b) => a === b,
    hash: (state) => state,
    decode: (call) => decodeCall(call, interner, allowCas),
    partitionKey: (input) => input.key,
    isReadOnly: (input) => input.kind === 'read',
    overwritesState: (input) => input.kind === 'write',
    inputKey: (input) => `${input.kind} ${input.value} ${input.newValue} ${input.key ?? ''}`,
    describeOperation: (input, output) => {
      switch (input.kind) {
        case 'read':
          return `read ${typeof output === 'number' ? show(output) : '?'}`;
        case 'write':
          return `write ${show(input.value)}`;
        case 'cas':
          return `cas ${show(input.value)}→${show(input.newValue)}${output === false ? ' (failed)' : ''}`;
      }
    },
    describeState: show,
    explainFailure: (state, input, output) => {
      if (input.kind === 'read')
        return `can't read ${typeof output === 'number' ? show(output) : '?'} from register ${show(state)}`;
      if (input.kind === 'cas' && output === false)
        return `cas from ${show(input.value)} failed, but register was ${show(state)}`;
      return `can't CAS ${show(state)} from ${show(input.value)} to ${show(input.newValue)}`;
    },
  };
}

/** knossos's cas-register: read, write, cas `[old, new]`; per-key partitions when ops carry a key. */
export function casRegisterModel(options: RegisterOptions = {}): Model<number, RegisterInput, RegisterOutput> {
  return makeRegister('cas-register', options, true);
}

/** knossos's register: read and write only. */
export function registerModel(options: RegisterOptions = {}): Model<number, RegisterInput, RegisterOutput> {
  return makeRegister('register', options, false);
}
