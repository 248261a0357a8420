// knossos's set: add an element; read returns the whole set. Elements are
// interned; a state is the sorted array of element ids plus its hash.
import type { HistoryValue } from '../../history/history-op.js';
import { ModelInputError } from '../model.js';
import type { HistoryCall, Model } from '../model.js';
import { ValueInterner } from '../value-interner.js';

/** A set operation: add one element, or read the whole set. */
export interface SetInput {
  readonly kind: 'add' | 'read';
  readonly element: number;
}

/** Sorted element ids and an order-independent hash of them. */
export interface SetState {
  readonly elements: readonly number[];
  readonly hash: number;
}

const mixElement = (id: number): number => Math.imul(id + 1, 0x9e3779b1);

function fromIds(ids: readonly number[]): SetState {
  const elements = [...new Set(ids)].sort((a, b) => a - b);
  return { elements, hash: elements.reduce((h, id) => (h + mixElement(id)) | 0, 0) };
}

function sameElements(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function decodeSet(call: HistoryCall, interner: ValueInterner): { input: SetInput; output: SetState | null } {
  if (call.f === 'add') return { input: { kind: 'add', element: interner.intern(call.invokeValue) }, output: null };
  if (call.f !== 'read') throw new ModelInputError(`unsupported operation "${call.f}" (expected add or read)`);
  if (call.outcome !== 'ok') return { input: { kind: 'read', element: 0 }, output: null };
  const read = call.completionValue;
  if (!Array.isArray(read)) throw new ModelInputError(`set read must return a collection, got ${JSON.stringify(read)}`);
  return {
    input: { kind: 'read', element: 0 },
    output: fromIds((read as readonly HistoryValue[]).map((v) => interner.intern(v))),
  };
}

/** A set of elements; a read must return exactly the elements added before it. */
export function setModel(): Model<SetState, SetInput, SetState | null> {
  const interner = new ValueInterner();
  const show = (state: SetState): string => `#{${state.elements.map((id) => interner.show(id)).join(' ')}}`;
  return {
    name: 'set',
    init: () => fromIds([]),
    step: (state, input, output) => {
      if (input.kind === 'add')
        return state.elements.includes(input.element) ? state : fromIds([...state.elements, input.element]);
      return output === undefined ||
        output === null ||
        (output.hash === state.hash && sameElements(output.elements, state.elements))
        ? state
        : undefined;
    },
    equal: (a, b) => a.hash === b.hash && sameElements(a.elements, b.elements),
    hash: (state) => state.hash,
    decode: (call) => decodeSet(call, interner),
    isReadOnly: (input) => input.kind === 'read',
    inputKey: (input) => `${input.kind} ${input.element}`,
    describeOperation: (input, output) =>
      input.kind === 'add' ? `add ${interner.show(input.element)}` : `read ${output ? show(output) : '?'}`,
    describeState: show,
    explainFailure: (state, _input, output) => `can't read ${output ? show(output) : '?'} from set ${show(state)}`,
  };
}
