// porcupine's key-value model: get / put / append on string values, one
// partition per key (P-compositionality is what makes c50 tractable). Within a
// partition the state is that key's string; its hash is a polynomial rolling
// hash, so an append updates it in O(length of the suffix), not of the value.
import { ModelInputError } from '../model.js';
import type { HistoryCall, Model } from '../model.js';

/** A kv operation on one key. */
export interface KvInput {
  readonly kind: 'get' | 'put' | 'append';
  readonly key: string;
  readonly value: string;
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

function asString(value: unknown, what: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new ModelInputError(`${what} must be a string, got ${JSON.stringify(value)}`);
}

function decodeKv(call: HistoryCall): { input: KvInput; output: string } {
  if (call.key === undefined) throw new ModelInputError(`kv operation "${call.f}" has no key`);
  switch (call.f) {
    case 'get':
      return { input: { kind: 'get', key: call.key, value: '' }, output: asString(call.completionValue, 'get result') };
    case 'put':
    case 'append':
      return { input: { kind: call.f, key: call.key, value: asString(call.invokeValue, `${call.f} value`) }, output: '' };
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
        case 'get': return output === undefined || output === state.value ? state : undefined;
        case 'put': return { value: input.value, hash: extendHash(0, input.value) };
        case 'append': return { value: state.value + input.value, hash: extendHash(state.hash, input.value) };
      }
    },
    equal: (a, b) => a === b || (a.hash === b.hash && a.value === b.value),
    hash: (state) => state.hash,
    decode: decodeKv,
    partitionKey: (input) => input.key,
    isReadOnly: (input) => input.kind === 'get',
    overwritesState: (input) => input.kind === 'put',
    inputKey: (input) => `${input.kind}\u0000${input.key}\u0000${input.value}`,
    describeOperation: (input, output) => (input.kind === 'get' ? `get(${input.key}) → ${JSON.stringify(output ?? '?')}` : `${input.kind}(${input.key}, ${JSON.stringify(input.value)})`),
    describeState: (state) => JSON.stringify(state.value),
    explainFailure: (state, input, output) => `can't get ${JSON.stringify(output ?? '')} from key ${input.key} holding ${JSON.stringify(state.value)}`,
  };
}
