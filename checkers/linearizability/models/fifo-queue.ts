// knossos's fifo-queue: enqueue appends; dequeue must return the oldest
// element (a dequeue from an empty queue is impossible).
import { ModelInputError } from '../model.js';
import type { HistoryCall, Model } from '../model.js';
import { ValueInterner } from '../value-interner.js';

/** Enqueue an element, or dequeue one (the element is the dequeue's result). */
export interface QueueInput {
  readonly kind: 'enqueue' | 'dequeue';
  readonly element: number;
}

/** Queued element ids, oldest first, and their hash. */
export interface QueueState {
  readonly elements: readonly number[];
  readonly hash: number;
}

function fromIds(elements: readonly number[]): QueueState {
  return { elements, hash: elements.reduce((h, id) => (Math.imul(h, 31) + id + 1) | 0, 7) };
}

function decodeQueue(call: HistoryCall, interner: ValueInterner): { input: QueueInput; output: number | null } {
  if (call.f === 'enqueue')
    return { input: { kind: 'enqueue', element: interner.intern(call.invokeValue) }, output: null };
  if (call.f !== 'dequeue')
    throw new ModelInputError(`unsupported operation "${call.f}" (expected enqueue or dequeue)`);
  const element = call.outcome === 'ok' ? interner.intern(call.completionValue) : -1;
  return { input: { kind: 'dequeue', element }, output: call.outcome === 'ok' ? element : null };
}

/** A FIFO queue. */
export function fifoQueueModel(): Model<QueueState, QueueInput, number | null> {
  const interner = new ValueInterner();
  const show = (state: QueueState): string => `[${state.elements.map((id) => interner.show(id)).join(' ')}]`;
  return {
    name: 'fifo-queue',
    init: () => fromIds([]),
    step: (state, input, output) => {
      if (input.kind === 'enqueue') return fromIds([...state.elements, input.element]);
      const head = state.elements[0];
      if (head === undefined) return undefined;
      // An unknown dequeue, if it happened, removed whatever was at the head.
      return output === undefined || output === null || output === head ? fromIds(state.elements.slice(1)) : undefined;
    },
    equal: (a, b) =>
      a.hash === b.hash && a.elements.length === b.elements.length && a.elements.every((id, i) => id === b.elements[i]),
    hash: (state) => state.hash,
    decode: (call) => decodeQueue(call, interner),
    inputKey: (input) => `${input.kind} ${input.element}`,
    describeOperation: (input, output) =>
      input.kind === 'enqueue'
        ? `enqueue ${interner.show(input.element)}`
        : `dequeue ${typeof output === 'number' ? interner.show(output) : '?'}`,
    describeState: show,
    explainFailure: (state, _input, output) =>
      `can't dequeue ${typeof output === 'number' ? interner.show(output) : '?'} from queue ${show(state)}`,
  };
}
