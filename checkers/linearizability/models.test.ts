import { describe, expect, it } from 'vitest';
import type { HistoryOp, HistoryValue } from '../history/index.js';
import {
  casRegisterModel,
  check,
  checkOperations,
  fifoQueueModel,
  kvModel,
  multiRegisterModel,
  mutexModel,
  nondeterministicModel,
  registerModel,
  setModel,
  HistoryError,
} from './index.js';
import type { AnyModel, HistoryCall } from './index.js';

/** Builds a history from [process, type, f, value, key?] rows. */
function history(rows: readonly (readonly [number, HistoryOp['type'], string, HistoryValue, string?])[]): HistoryOp[] {
  return rows.map(([process, type, f, value, key], index) => ({
    index,
    process,
    type,
    f,
    value,
    ...(key !== undefined ? { key } : {}),
  }));
}

const valid = (model: AnyModel, rows: Parameters<typeof history>[0]) => check(model, history(rows)).valid;

describe('registers', () => {
  it('cas-register: a cas moves the value; a read of the old value afterwards is invalid', () => {
    const ok = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'cas', [1, 2]],
      [1, 'ok', 'cas', [1, 2]],
      [0, 'invoke', 'read', null],
      [0, 'ok', 'read', 2],
    ] as const;
    expect(valid(casRegisterModel(), ok)).toBe(true);
    expect(valid(casRegisterModel(), [...ok.slice(0, 4), [0, 'invoke', 'read', null], [0, 'ok', 'read', 1]])).toBe(
      false,
    );
  });

  it('a register with initial nil reads nil until written; register has no cas', () => {
    expect(
      valid(registerModel(), [
        [0, 'invoke', 'read', null],
        [0, 'ok', 'read', null],
      ]),
    ).toBe(true);
    expect(
      valid(registerModel({ initial: 0 }), [
        [0, 'invoke', 'read', null],
        [0, 'ok', 'read', null],
      ]),
    ).toBe(false);
    expect(() =>
      valid(registerModel(), [
        [0, 'invoke', 'cas', [0, 1]],
        [0, 'ok', 'cas', [0, 1]],
      ]),
    ).toThrow(HistoryError);
  });

  it('an info write may have happened (its value can be read) or not', () => {
    const rows = [
      [0, 'invoke', 'write', 5],
      [0, 'info', 'write', 5],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 5],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 5],
    ] as const;
    expect(valid(casRegisterModel({ initial: 0 }), rows)).toBe(true);
    expect(
      valid(casRegisterModel({ initial: 0 }), [
        [0, 'invoke', 'write', 5],
        [0, 'info', 'write', 5],
        [1, 'invoke', 'read', null],
        [1, 'ok', 'read', 0],
      ]),
    ).toBe(true);
    // Once read as 5, the register cannot go back to 0 without a write.
    expect(
      valid(casRegisterModel({ initial: 0 }), [...rows.slice(0, 4), [1, 'invoke', 'read', null], [1, 'ok', 'read', 0]]),
    ).toBe(false);
  });

  it('porcupine semantics keep a failed cas as a compare that failed; knossos drops it', () => {
    const rows = history([
      [0, 'invoke', 'cas', [0, 1]],
      [0, 'fail', 'cas', [0, 1]],
    ]);
    expect(check(casRegisterModel({ initial: 0 }), rows, { semantics: 'porcupine' }).valid).toBe(false);
    expect(check(casRegisterModel({ initial: 0 }), rows, { semantics: 'knossos' }).valid).toBe(true);
  });

  it('keyed ops are independent registers checked as partitions', () => {
    const result = check(
      casRegisterModel(),
      history([
        [0, 'invoke', 'write', 1, 'a'],
        [0, 'ok', 'write', 1, 'a'],
        [1, 'invoke', 'read', null, 'b'],
        [1, 'ok', 'read', null, 'b'],
      ]),
    );
    expect(result.valid).toBe(true);
    expect(result.partitions.map((p) => p.key).sort()).toEqual(['a', 'b']);
  });
});

describe('other models', () => {
  it('multi-register transactions', () => {
    const model = multiRegisterModel({ initial: { x: 0, y: 0 } });
    expect(
      valid(model, [
        [
          0,
          'invoke',
          'txn',
          [
            ['write', 'x', 1],
            ['read', 'y', null],
          ],
        ],
        [
          0,
          'ok',
          'txn',
          [
            ['write', 'x', 1],
            ['read', 'y', 0],
          ],
        ],
        [1, 'invoke', 'txn', [['read', 'x', null]]],
        [1, 'ok', 'txn', [['read', 'x', 1]]],
      ]),
    ).toBe(true);
    expect(
      valid(multiRegisterModel({ initial: { x: 0, y: 0 } }), [
        [1, 'invoke', 'txn', [['read', 'x', null]]],
        [1, 'ok', 'txn', [['read', 'x', 3]]],
      ]),
    ).toBe(false);
  });

  it('kv: append concatenates, get returns "" for an absent key', () => {
    expect(
      valid(kvModel(), [
        [0, 'invoke', 'append', 'a', 'k'],
        [0, 'ok', 'append', 'a', 'k'],
        [0, 'invoke', 'append', 'b', 'k'],
        [0, 'ok', 'append', 'b', 'k'],
        [1, 'invoke', 'get', null, 'k'],
        [1, 'ok', 'get', 'ab', 'k'],
        [1, 'invoke', 'get', null, 'j'],
        [1, 'ok', 'get', '', 'j'],
      ]),
    ).toBe(true);
    expect(
      valid(kvModel(), [
        [0, 'invoke', 'put', 'a', 'k'],
        [0, 'ok', 'put', 'a', 'k'],
        [1, 'invoke', 'get', null, 'k'],
        [1, 'ok', 'get', 'ba', 'k'],
      ]),
    ).toBe(false);
  });

  it('mutex: two overlapping holders are impossible', () => {
    expect(
      valid(mutexModel(), [
        [0, 'invoke', 'acquire', null],
        [0, 'ok', 'acquire', null],
        [0, 'invoke', 'release', null],
        [0, 'ok', 'release', null],
        [1, 'invoke', 'acquire', null],
        [1, 'ok', 'acquire', null],
      ]),
    ).toBe(true);
    expect(
      valid(mutexModel(), [
        [0, 'invoke', 'acquire', null],
        [0, 'ok', 'acquire', null],
        [1, 'invoke', 'acquire', null],
        [1, 'ok', 'acquire', null],
      ]),
    ).toBe(false);
  });

  it('set: a read returns exactly the elements added', () => {
    const adds = [
      [0, 'invoke', 'add', 1],
      [0, 'ok', 'add', 1],
      [0, 'invoke', 'add', 2],
      [0, 'ok', 'add', 2],
    ] as const;
    expect(valid(setModel(), [...adds, [1, 'invoke', 'read', null], [1, 'ok', 'read', [2, 1]]])).toBe(true);
    expect(valid(setModel(), [...adds, [1, 'invoke', 'read', null], [1, 'ok', 'read', [1]]])).toBe(false);
  });

  it('fifo-queue: dequeues come out in enqueue order', () => {
    const enqueues = [
      [0, 'invoke', 'enqueue', 1],
      [0, 'ok', 'enqueue', 1],
      [0, 'invoke', 'enqueue', 2],
      [0, 'ok', 'enqueue', 2],
    ] as const;
    expect(valid(fifoQueueModel(), [...enqueues, [1, 'invoke', 'dequeue', null], [1, 'ok', 'dequeue', 1]])).toBe(true);
    expect(valid(fifoQueueModel(), [...enqueues, [1, 'invoke', 'dequeue', null], [1, 'ok', 'dequeue', 2]])).toBe(false);
  });

  it('a non-deterministic model: a lossy register whose writes may be dropped', () => {
    const lossy = nondeterministicModel<number, { write?: number }, number | null>({
      name: 'lossy-register',
      init: () => [0],
      step: (state, input, output) =>
        input.write !== undefined ? [state, input.write] : output === undefined || output === state ? [state] : [],
      equal: (a, b) => a === b,
      hash: (state) => state,
      decode: (call: HistoryCall) =>
        call.f === 'write'
          ? { input: { write: call.invokeValue as number }, output: null }
          : { input: {}, output: call.completionValue as number },
      describeOperation: (input, output) =>
        input.write !== undefined ? `write ${input.write}` : `read ${String(output)}`,
      describeState: String,
    });
    const write = [
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
    ] as const;
    expect(valid(lossy, [...write, [1, 'invoke', 'read', null], [1, 'ok', 'read', 0]])).toBe(true);
    expect(valid(lossy, [...write, [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]])).toBe(true);
    expect(valid(lossy, [...write, [1, 'invoke', 'read', null], [1, 'ok', 'read', 2]])).toBe(false);
  });
});

describe('porcupine semantics', () => {
  it('intervals are closed: ops that touch at one instant are concurrent', () => {
    const model = casRegisterModel({ initial: 0 });
    model.decode({ process: 0, f: 'write', invokeValue: 1, completionValue: null, outcome: 'ok' }); // value 1 → id 1
    const write = {
      process: 0,
      call: 0,
      return: 5,
      input: { kind: 'write' as const, key: undefined, value: 1, newValue: 0 },
      output: null,
    };
    const readOld = {
      process: 1,
      call: 5,
      return: 10,
      input: { kind: 'read' as const, key: undefined, value: 0, newValue: 0 },
      output: 0,
    };
    expect(checkOperations(model, [write, readOld]).valid).toBe(true);
    expect(checkOperations(model, [write, { ...readOld, call: 6 }]).valid).toBe(false);
  });

  it('takes call and return times from `time` when every event has one', () => {
    const timed: HistoryOp[] = [
      { index: 0, process: 0, type: 'invoke', f: 'write', value: 1, time: 0 },
      { index: 1, process: 1, type: 'invoke', f: 'read', value: null, time: 50 },
      { index: 2, process: 1, type: 'ok', f: 'read', value: 0, time: 60 },
      { index: 3, process: 0, type: 'ok', f: 'write', value: 1, time: 40 },
    ];
    // By time the write ended (40) before the read began (50): reading 0 is stale.
    expect(check(casRegisterModel({ initial: 0 }), timed, { semantics: 'porcupine' }).valid).toBe(false);
    // By line order (knossos) the write is still pending when the read completes.
    expect(check(casRegisterModel({ initial: 0 }), timed, { semantics: 'knossos' }).valid).toBe(true);
  });
});

describe('malformed histories', () => {
  it('rejects a second invocation by a process with a pending op, naming the line', () => {
    const rows = history([
      [0, 'invoke', 'read', null],
      [0, 'invoke', 'read', null],
    ]).map((op, i) => ({ ...op, line: i + 1 }));
    expect(() => check(casRegisterModel(), rows)).toThrow(
      /line 2: process 0 invokes read while its read invoked at index 0 is still pending/,
    );
  });

  it('rejects a completion without invocation and a mismatched f', () => {
    expect(() => check(casRegisterModel(), history([[0, 'ok', 'read', 1]]))).toThrow(/has no pending invocation/);
    expect(() =>
      check(
        casRegisterModel(),
        history([
          [0, 'invoke', 'read', null],
          [0, 'ok', 'write', 1],
        ]),
      ),
    ).toThrow(/completes write but invoked read/);
  });
});
