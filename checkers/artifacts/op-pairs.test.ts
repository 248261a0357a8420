import { describe, expect, it } from 'vitest';
import type { HistoryOp } from '../history/index.js';
import { pairOps } from './op-pairs.js';

const op = (index: number, fields: Omit<HistoryOp, 'index' | 'time'>): HistoryOp => ({ ...fields, index, time: index });

describe('pairOps', () => {
  it('a client process: its next completion completes its pending invoke', () => {
    const pairs = pairOps([
      op(0, { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1 }),
      op(1, { process: 1, type: 'invoke', f: 'read', key: 'k', value: null }),
      op(2, { process: 1, type: 'ok', f: 'read', key: 'k', value: 1 }),
      op(3, { process: 0, type: 'info', f: 'write', key: 'k', value: 1 }),
    ]);
    expect(pairs.map((p) => [p.invoke.index, p.completion?.index])).toEqual([
      [0, 3],
      [1, 2],
    ]);
  });

  it('two rollout requests of one kind sent at once pair by their step, whichever answers first', () => {
    const pairs = pairOps([
      op(0, { process: 'rollout', type: 'invoke', f: 'enable-storage-envelope', value: { step: 's2', attempt: 1 } }),
      op(1, { process: 'rollout', type: 'invoke', f: 'enable-storage-envelope', value: { step: 's2+1', attempt: 1 } }),
      op(2, {
        process: 'rollout',
        type: 'ok',
        f: 'enable-storage-envelope',
        value: { step: 's2+1', attempt: 1, wasAlreadyActive: false },
      }),
      op(3, {
        process: 'rollout',
        type: 'ok',
        f: 'enable-storage-envelope',
        value: { step: 's2', attempt: 1, wasAlreadyActive: true },
      }),
    ]);
    expect(pairs.map((p) => [p.invoke.index, p.completion?.index])).toEqual([
      [0, 3],
      [1, 2],
    ]);
  });

  it('completions that name no step (other tools, the nemesis) pair with the oldest pending invoke of their f', () => {
    const pairs = pairOps([
      op(0, { process: 'nemesis', type: 'invoke', f: 'kill', value: null }),
      op(1, { process: 'rollout', type: 'invoke', f: 'bootstrap', value: { step: 's1' } }),
      op(2, { process: 'nemesis', type: 'info', f: 'kill', value: ['n1'] }),
      op(3, { process: 'rollout', type: 'ok', f: 'bootstrap', value: null }),
      op(4, { process: 'rollout', type: 'ok', f: 'bootstrap', value: { step: 's9' } }),
    ]);
    expect(pairs.map((p) => [p.invoke.index, p.completion?.index])).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });
});
