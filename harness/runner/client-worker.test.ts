import { describe, expect, it } from 'vitest';
import type { KvConnection } from '../client/kv-connection.js';
import type { HistoryOp, OpDraft } from '../history/op.js';
import type { ClientOp, WorkloadClient } from '../workload/workload.js';
import { ClientWorker } from './client-worker.js';

/** A client answering from a script of completions, one per invoke. */
function scripted(answers: readonly { type: 'ok' | 'fail' | 'info'; error?: string }[]): {
  client: WorkloadClient;
  calls: () => number;
} {
  let calls = 0;
  const client: WorkloadClient = {
    fs: ['write'],
    invoke: () => {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls += 1;
      return Promise.resolve({
        type: answer.type,
        value: 1,
        ...(answer.error === undefined ? {} : { error: answer.error }),
      });
    },
  };
  return { client, calls: () => calls };
}

function worker(client: WorkloadClient): { worker: ClientWorker; history: HistoryOp[] } {
  const history: HistoryOp[] = [];
  const record = (draft: OpDraft): HistoryOp => {
    const op = { index: history.length, time: history.length, ...draft } as HistoryOp;
    history.push(op);
    return op;
  };
  return { worker: new ClientWorker(0, 4, { node: 'n1' } as unknown as KvConnection, client, record, 100), history };
}

const probe: ClientOp = {
  f: 'write',
  key: 'recovery-n1',
  value: 1,
  node: 'n1',
  untilOk: { attempts: 5, backoffMs: 1 },
};

describe('ClientWorker until-ok', () => {
  it('invokes again after a fail or an info until ok, each attempt an op of its own (a fresh process after an info)', async () => {
    const { client, calls } = scripted([
      { type: 'fail', error: 'NoLeader' },
      { type: 'info', error: 'DeadlineExceeded' },
      { type: 'ok' },
    ]);
    const { worker: w, history } = worker(client);
    await w.run(probe);
    expect(calls()).toBe(3);
    expect(history.map((op) => [op.process, op.type])).toEqual([
      [0, 'invoke'],
      [0, 'fail'],
      [0, 'invoke'],
      [0, 'info'],
      [4, 'invoke'],
      [4, 'ok'],
    ]);
  });

  it('stops after its attempts, and at once on a halted node; an op without until-ok runs once', async () => {
    const failing = scripted([{ type: 'fail', error: 'NoLeader' }]);
    await worker(failing.client).worker.run(probe);
    expect(failing.calls()).toBe(5);
    const halted = scripted([{ type: 'fail', error: 'NodeHalted' }]);
    await worker(halted.client).worker.run(probe);
    expect(halted.calls()).toBe(1);
    const once = scripted([{ type: 'fail', error: 'NoLeader' }]);
    await worker(once.client).worker.run({ f: 'write', key: 'k', value: 1 });
    expect(once.calls()).toBe(1);
  });
});
