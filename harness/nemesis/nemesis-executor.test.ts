import { describe, expect, it, vi } from 'vitest';
import { FakeCluster } from '../cluster/fake/index.js';
import type { HistoryOp, OpDraft } from '../history/index.js';
import { NemesisExecutor } from './index.js';

function setUp(leader: string | null | (() => string | null) = 'n2', leaderWaitMs = 0, leaderRetryMs = 10) {
  const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
  const ops: HistoryOp[] = [];
  const record = (draft: OpDraft): HistoryOp => {
    const op = { index: ops.length, time: ops.length, ...draft };
    ops.push(op);
    return op;
  };
  const findLeader = async (): Promise<string | null> => (typeof leader === 'function' ? leader() : leader);
  const executor = new NemesisExecutor({ cluster, findLeader, record, leaderWaitMs, leaderRetryMs });
  return { cluster, ops, executor };
}

describe('NemesisExecutor', () => {
  it('records every action as two nemesis info ops: planned, then what was done', async () => {
    const { ops, executor } = setUp();
    await executor.run({ f: 'kill', target: { nodes: ['n1'] } });
    expect(ops).toEqual([
      { index: 0, time: 0, process: 'nemesis', type: 'info', f: 'kill', value: { target: { nodes: ['n1'] } } },
      { index: 1, time: 1, process: 'nemesis', type: 'info', f: 'kill', value: { nodes: ['n1'] } },
    ]);
    expect(executor.activeFaults()).toEqual(['killed n1']);
  });

  it('resolves the leader at run time for leader-targeted faults and isolate-leader partitions', async () => {
    const { cluster, ops, executor } = setUp('n2');
    await executor.run({ f: 'pause', target: { leader: true } });
    expect(cluster.node('n2').paused).toBe(true);
    await executor.run({ f: 'resume' });
    await executor.run({ f: 'start-partition', shape: 'isolate-leader' });
    expect(ops.at(-1)!.value).toEqual({
      shape: 'isolate-leader',
      grudge: { n2: ['n1', 'n3'], n1: ['n2'], n3: ['n2'] },
    });
    expect(cluster.available('n2')).toBe(false);
    expect(cluster.available('n1')).toBe(true);
  });

  it('records a failed action with its error instead of throwing', async () => {
    const { ops, executor } = setUp(null);
    await executor.run({ f: 'kill', target: { leader: true } }, 'trigger');
    expect(ops.at(-1)).toMatchObject({ f: 'kill', value: null, error: 'no leader to target' });
  });

  it('defers a scheduled leader-targeted start that finds no leader, tries again until one is agreed, then ends it as planned', async () => {
    let leader: string | null = null;
    const { cluster, ops, executor } = setUp(() => leader);
    await executor.run({ f: 'pause', target: { leader: true }, fault: 'pause-leader' });
    await executor.run({ f: 'resume' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ops).toEqual([]);
    leader = 'n3';
    await vi.waitFor(() => expect(ops.map((op) => op.f)).toEqual(['pause', 'pause', 'resume', 'resume']), {
      timeout: 2_000,
    });
    expect(ops[0]!.value).toMatchObject({
      target: { leader: true },
      fault: 'pause-leader',
      deferredMs: expect.any(Number),
    });
    expect(ops[1]!.value).toEqual({ nodes: ['n3'] });
    expect(cluster.node('n3').paused).toBe(false);
  });

  it('a scheduled leader-targeted start that never finds a leader is recorded as skipped when the run ends, saying why', async () => {
    const { ops, executor } = setUp(null);
    await executor.run({ f: 'kill', target: { leader: true }, fault: 'kill-leader' });
    await executor.run({ f: 'restart' });
    await executor.run({ f: 'heal-all' });
    await executor.drain();
    const kills = ops.filter((op) => op.f === 'kill');
    expect(kills.map((op) => op.value)).toEqual([
      { target: { leader: true }, fault: 'kill-leader' },
      { skipped: 'no leader agreed by a majority until the run ended' },
    ]);
    expect(ops.some((op) => op.f === 'restart')).toBe(false);
  });

  it('a leader-targeted fault waits (bounded) for an election in progress to end, then hits its winner', async () => {
    let asked = 0;
    const { cluster, ops, executor } = setUp(() => (++asked < 3 ? null : 'n3'), 5_000);
    await executor.run({ f: 'kill', target: { leader: true } });
    expect(asked).toBe(3);
    expect(ops.at(-1)).toMatchObject({ f: 'kill', value: { nodes: ['n3'] } });
    expect(cluster.available('n3')).toBe(false);
  });

  it('the end of a deferred start that comes while the released queue waits for the cluster ends that start, never one before it', async () => {
    // Seed 10 of the default test: kill-random and kill-all were held by a rolling restart, kill-random's
    // restart came meanwhile; the hold ended while the action queue was busy, and kill-all's own restart
    // arrived before the released starts ran. It ran first (restarting nothing), kill-all ran after it, and
    // every node stayed down until the final heal.
    const { cluster, ops, executor } = setUp();
    const release = executor.hold(['kill'], 'rollout step s11 (restart all)');
    await executor.run({ f: 'kill', target: { nodes: ['n2'] }, fault: 'kill-random' });
    await executor.run({ f: 'restart' });
    await executor.run({ f: 'kill', target: { nodes: ['n1', 'n2', 'n3'] }, fault: 'kill-all' });
    let busy = (): void => undefined;
    const queueBusy = executor.exclusive(
      () =>
        new Promise<void>((resolve) => {
          busy = resolve;
        }),
    );
    release();
    await executor.run({ f: 'restart' });
    busy();
    await queueBusy;
    await vi.waitFor(
      () => expect(ops.filter((op) => op.f === 'restart' && 'nodes' in (op.value as object))).toHaveLength(2),
      { timeout: 2_000 },
    );
    expect(ops.filter((_, i) => i % 2 === 1).map((op) => [op.f, op.value])).toEqual([
      ['kill', { nodes: ['n2'] }],
      ['restart', { nodes: ['n2'] }],
      ['kill', { nodes: ['n1', 'n2', 'n3'] }],
      ['restart', { nodes: ['n1', 'n2', 'n3'] }],
    ]);
    expect(['n1', 'n2', 'n3'].map((n) => cluster.node(n).running)).toEqual([true, true, true]);
    // A start that runs later than an end of its kind already owed to a running fault: that end is the running fault's.
    await executor.run({ f: 'kill', target: { nodes: ['n3'] }, fault: 'kill-random' });
    const again = executor.hold(['kill'], 'rollout step s12');
    await executor.run({ f: 'kill', target: { nodes: ['n1'] }, fault: 'kill-random' });
    await executor.run({ f: 'restart' });
    expect(cluster.node('n3').running).toBe(true);
    again();
    await executor.run({ f: 'restart' });
    await executor.drain();
    expect(['n1', 'n2', 'n3'].map((n) => cluster.node(n).running)).toEqual([true, true, true]);
  });

  it('heal-all undoes partitions, pauses, kills and clock skew', async () => {
    const { cluster, ops, executor } = setUp();
    await executor.run({ f: 'start-partition', shape: 'halves', grudge: { n1: ['n2', 'n3'], n2: ['n1'], n3: ['n1'] } });
    await executor.run({ f: 'kill', target: { nodes: ['n2'] } });
    await executor.run({ f: 'pause', target: { nodes: ['n3'] } });
    await executor.run({ f: 'clock-bump', nodes: ['n1'], offsetMs: 5_000 });
    expect(['n1', 'n2', 'n3'].map((n) => cluster.available(n))).toEqual([false, false, false]);
    await executor.run({ f: 'heal-all' });
    expect(ops.at(-1)!.value).toEqual({ resumed: ['n3'], restarted: ['n2'] });
    expect(['n1', 'n2', 'n3'].map((n) => cluster.available(n))).toEqual([true, true, true]);
    expect(executor.activeFaults()).toEqual([]);
  });
});
