// porcupine's key-value model: get / put / append on string values, one
// partition per key (P-compositionality is what makes c50 tractable). Within a
// partition the state is that key's string; its hash is a polynomial rolling
// hash, linear in its prefix, so each op carries its value's hash (and an
// append the power of the base it shifts the prefix by): a step hashes in
// O(1), and a get compares hashes before strings (a state built by appends is
// a rope: comparing it to an equally long string flattens it, an allocation
// per failed get in a cold process).
import { ModelInputError } from '../model.js';
import type { HistoryCall, Model } from '../model.js';

/** A kv operation on one key. */
export interface KvInput {
  readonly kind: 'get' | 'put' | 'append';
  readonly key: string;
  readonly value: string;
  /**
   * The rolling hash of `value` (put, append) or of the expected result (get,
   * 0 when the output is unknown).
   */
  readonly hash: number;
  /** append: hashBase to the power of value's length (mod 2^32), so hash(prefix + value) = hash(prefix) * shift + hash(value). */
  readonly shift: number;
}

/** The value of one key and its rolling hash. */
export interface KvState {
  readonly value: string;
  readonly hash: number;
}

const hashBase = 31;

function extendHash(hash: number, suffix: string): number {
  let h = hash;
  for (let i = 0; i < suffix.length; i += 1) h = (Math.imul(h, hashBase) + suffix.charCodeAt(i)) | 0;
  return h;
}

function powerOfBase(length: number): number {
  let p = 1;
  for (let i = 0; i < length; i += 1) p = Math.imul(p, hashBase);
  return p;
}

function asString(value: unknown, what: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new ModelInputError(`${what} must be a string, got ${JSON.stringify(value)}`);
}

function decodeKv(call: HistoryCall): { input: KvInput; output: string } {
  if (call.key === undefined) throw new ModelInputError(`kv operation "${call.f}" has no key`);
  switch (call.f) {
    case 'get': {
      const output = asString(call.completionValue, 'get result');
      return {
        input: {
          kind: 'get',
          key: call.key,
          value: '',
          hash: call.outcome === 'unknown' ? 0 : extendHash(0, output),
          shift: 1,
        },
        output,
      };
    }
    case 'put':
    case 'append': {
      const value = asString(call.invokeValue, `${call.f} value`);
      return {
        input: { kind: call.f, key: call.key, value, hash: extendHash(0, value), shift: powerOfBase(value.length) },
        output: '',
      };
    }
    default:
      throw new ModelInputError(`unsupported operation "${call.f}" (expected get, put or append)`);
  }
}

/** Options of the kv model. */
export interface KvOptions {
  /** Value of an absent key (default ""). */
  readonly initial?: string;
}

/** porcupine's kv model: get returns the key's string ("" when absent), put sets it, append concatenates. */
export function kvModel(options: KvOptions = {}): Model<KvState, KvInput, string> {
  const initial: KvState = { value: options.initial ?? '', hash: extendHash(0, options.initial ?? '') };
  return {
    name: 'kv',
    init: () => initial,
    step: (state, input, output) => {
      switch (input.kind) {
        case 'get':
          return output === undefined || (input.hash === state.hash && output === state.value) ? state : undefined;
        case 'put':
          return { value: input.value, hash: input.hash };
        case 'append':
          return { value: state.value + input.value, hash: (Math.imul(state.hash, input.shift) + input.hash) | 0 };
      }
    },
    equal: (a, b) => a === b || (a.hash === b.hash && a.value === b.value),
    hash: (state) => state.hash,
    decode: decodeKv,
    partitionKey: (input) => input.key,
    isReadOnly: (input) => input.kind === 'get',
    overwritesState: (input) => input.kind === 'put',
    inputKey: (input) => `${input.kind}\u0000${input.key}\u0000${input.value}`,
    describeOperation: (input, output) =>
      input.kind === 'get'
        ? `get(${input.key}) → ${JSON.stringify(output ?? '?')}`
        : `${input.kind}(${input.key}, ${JSON.stringify(input.value)})`,
    describeState: (state) => JSON.stringify(state.value),
    explainFailure: (state, input, output) =>
      `can't get ${JSON.stringify(output ?? '')} from key ${input.key} holding ${JSON.stringify(state.value)}`,
  };
}
