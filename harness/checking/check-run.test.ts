import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../generator/index.js';
import type { HistoryOp, OpDraft } from '../history/index.js';
import type { Workload } from '../workload/index.js';
import {
  checkRun,
  combineValidity,
  exitCodeOf,
  historyStats,
  linearizabilityChecker,
  nodeExitsChecker,
  recoveryChecker,
  runChecker,
  statsChecker,
} from './index.js';
import type { Checker, ExecutionRecord } from './index.js';

function history(drafts: readonly OpDraft[]): HistoryOp[] {
  return drafts.map((d, index) => ({ index, time: index * 1000, ...d }));
}

const nemesis = (f: string): OpDraft[] => [
  { process: 'nemesis', type: 'info', f, value: null },
  { process: 'nemesis', type: 'info', f, value: 'done' },
];

const cleanExecution: ExecutionRecord = {
  unexpectedExits: [],
  plan: {
    opsPlanned: 10,
    opsDispatched: 10,
    opsLate: 0,
    maxLagMs: 3,
    opsSkipped: 0,
    lateThresholdMs: 100,
    interrupted: false,
  },
  rollout: null,
  crash: null,
  interrupted: false,
  collection: [],
  durationMs: 1_000,
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A run directory holding `ops` and an execution record. */
function runDir(ops: readonly HistoryOp[], execution: ExecutionRecord | null = cleanExecution): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekv-check-run-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'history.jsonl'), ops.map((op) => `${JSON.stringify(op)}\n`).join(''));
  writeFileSync(
    join(dir, 'test.json'),
    JSON.stringify({ name: 't', seed: 1, workload: 'w', config: { keys: 1, nodes: ['n1'], checkerBudgetMs: 10_000 } }),
  );
  if (execution !== null) writeFileSync(join(dir, 'execution.json'), JSON.stringify(execution));
  return dir;
}

const workload = (checkers: readonly Checker[]): Workload => ({
  name: 'w',
  description: 'test',
  client: { fs: [], invoke: () => Promise.reject(new Error('not used')) },
  generator: () => sleep(0),
  final: () => sleep(0),
  checkers: () => checkers,
});

const register = workload([
  linearizabilityChecker({ model: 'cas-register', fs: ['read', 'write', 'cas'], budgetMs: () => 10_000 }),
  statsChecker,
  recoveryChecker,
  nodeExitsChecker,
  runChecker,
]);

describe('checking a run', () => {
  it('splits stats by phase: before faults, during faults, after the final heal', () => {
    const ops = history([
      { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'k', value: 1 },
      ...nemesis('kill'),
      { process: 1, type: 'invoke', f: 'read', key: 'k', value: null },
      { process: 1, type: 'info', f: 'read', key: 'k', value: null, error: 'DeadlineExceeded' },
      ...nemesis('heal-all'),
      { process: 11, type: 'invoke', f: 'read', key: 'k', value: null },
      { process: 11, type: 'ok', f: 'read', key: 'k', value: 1 },
      { process: 2, type: 'invoke', f: 'cas', key: 'k', value: [1, 2] },
    ]);
    const stats = historyStats(ops);
    expect(stats.byPhase['before-faults']).toEqual({ write: { ok: 1, fail: 0, info: 0 } });
    expect(stats.byPhase['during-faults']).toEqual({ read: { ok: 0, fail: 0, info: 1 } });
    expect(stats.byPhase['after-heal']).toEqual({ read: { ok: 1, fail: 0, info: 0 } });
    expect(stats.pending).toBe(1);
    expect(stats.faults.map((f) => f.f)).toEqual(['kill', 'heal-all']);
  });

  it('valid history: every checker valid; stale read: linearizability invalid with a reason, and the run invalid', async () => {
    const base: OpDraft[] = [
      { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'k', value: 1 },
      ...nemesis('heal-all'),
      { process: 1, type: 'invoke', f: 'read', key: 'k', value: null },
    ];
    const good = await checkRun(
      runDir(history([...base, { process: 1, type: 'ok', f: 'read', key: 'k', value: 1 }])),
      register,
    );
    expect(good.valid).toBe(true);
    expect(Object.keys(good.checkers)).toEqual(['linearizability', 'stats', 'recovery', 'node-exits', 'run']);
    const stale = await checkRun(
      runDir(history([...base, { process: 1, type: 'ok', f: 'read', key: 'k', value: null }])),
      register,
    );
    expect(stale.checkers['linearizability']!.valid).toBe(false);
    expect(stale.checkers['linearizability']!.reason).toMatch(/not linearizable: read of k/);
    expect(stale.valid).toBe(false);
  });

  it("leaves ops that are not the model's (local reads) and non-client processes out of linearizability", async () => {
    const ops = history([
      { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'k', value: 1 },
      { process: 'rollout', type: 'invoke', f: 'bootstrap', value: { step: 's1' } },
      { process: 'rollout', type: 'ok', f: 'bootstrap', value: { step: 's1' }, logIndex: 4 },
      ...nemesis('heal-all'),
      // A stale local read is no linearizability violation: local reads are not linearizable by design.
      { process: 1, type: 'invoke', f: 'read-local', key: 'k', value: null },
      { process: 1, type: 'ok', f: 'read-local', key: 'k', value: null, logIndex: 2 },
    ]);
    const results = await checkRun(runDir(ops), register);
    expect(results.checkers['linearizability']!.valid).toBe(true);
  });

  it('recovery is unknown without a final heal or when final ops fail; node exits make the run invalid', async () => {
    const noHeal = await checkRun(
      runDir(
        history([
          { process: 0, type: 'invoke', f: 'read', key: 'k', value: null },
          { process: 0, type: 'ok', f: 'read', key: 'k', value: null },
        ]),
      ),
      register,
    );
    expect(noHeal.checkers['recovery']!.valid).toBe('unknown');
    expect(noHeal.valid).toBe('unknown');
    const exits = { ...cleanExecution, unexpectedExits: [{ node: 'n1', code: 3, signal: null }] };
    const failedFinal = await checkRun(
      runDir(
        history([
          ...nemesis('heal-all'),
          { process: 0, type: 'invoke', f: 'read', key: 'k', value: null },
          { process: 0, type: 'fail', f: 'read', key: 'k', value: null, error: 'NoLeader' },
        ]),
        exits,
      ),
      register,
    );
    expect(failedFinal.checkers['recovery']!.valid).toBe('unknown');
    expect(failedFinal.checkers['node-exits']!.valid).toBe(false);
    expect(failedFinal.checkers['node-exits']!.reason).toMatch(/n1 with code 3/);
    expect(failedFinal.valid).toBe(false);
  });

  it('recovery leaves out the refusals of a member the rollout removed, and counts a cas that found another value as an answer', async () => {
    const ops = history([
      { process: 'rollout', type: 'invoke', f: 'remove', value: { step: 's1', attempt: 1, node: 'n1' } },
      { process: 'rollout', type: 'ok', f: 'remove', value: { step: 's1', attempt: 1, node: 'n1' } },
      ...nemesis('heal-all'),
      { process: 0, type: 'invoke', f: 'read', key: 'k', value: null, node: 'n1' },
      { process: 0, type: 'fail', f: 'read', key: 'k', value: null, node: 'n1', error: 'ConnectionRefused' },
      { process: 1, type: 'invoke', f: 'cas', key: 'k', value: [1, 2], node: 'n2' },
      { process: 1, type: 'fail', f: 'cas', key: 'k', value: [1, 2], node: 'n2', error: 'cas-mismatch' },
      { process: 2, type: 'invoke', f: 'read', key: 'k', value: null, node: 'n2' },
      { process: 2, type: 'ok', f: 'read', key: 'k', value: null, node: 'n2' },
    ]);
    const recovery = (await checkRun(runDir(ops), register)).checkers['recovery']!;
    expect(recovery).toMatchObject({ valid: true, finalOps: 2, opsOnRemovedMembers: 1 });
    const stillRefused = (await checkRun(runDir(ops.filter((op) => op.process !== 'rollout')), register)).checkers[
      'recovery'
    ]!;
    expect(stillRefused).toMatchObject({
      valid: 'unknown',
      reason:
        '1 of 3 operations after the final heal did not succeed, and their nodes (n1) served nothing invoked later',
    });
  });

  it("recovery leaves out the refusals of a halted node (whether it should have halted is the halt-apply checker's question)", async () => {
    const ops = history([
      ...nemesis('heal-all'),
      { process: 0, type: 'invoke', f: 'read', key: 'k', value: null, node: 'n3' },
      { process: 0, type: 'fail', f: 'read', key: 'k', value: null, node: 'n3', error: 'NodeHalted' },
      { process: 1, type: 'invoke', f: 'read', key: 'k', value: null, node: 'n2' },
      { process: 1, type: 'ok', f: 'read', key: 'k', value: null, node: 'n2' },
      { process: 2, type: 'invoke', f: 'read', key: 'k', value: null, node: 'n1' },
      { process: 2, type: 'fail', f: 'read', key: 'k', value: null, node: 'n1', error: 'NoLeader' },
    ]);
    expect((await checkRun(runDir(ops), register)).checkers['recovery']).toMatchObject({
      valid: 'unknown',
      reason:
        '1 of 2 operations after the final heal did not succeed, and their nodes (n1) served nothing invoked later',
      opsRefusedByHaltedNodes: 1,
    });
  });

  it('recovery tolerates a failure its node recovered from (an op invoked after it succeeded there), not one it did not', async () => {
    const ops = history([
      ...nemesis('heal-all'),
      { process: 0, type: 'invoke', f: 'read', key: 'k', value: null, node: 'n1' },
      { process: 0, type: 'fail', f: 'read', key: 'k', value: null, node: 'n1', error: 'NoLeader' },
      { process: 1, type: 'invoke', f: 'read', key: 'k', value: null, node: 'n2' },
      { process: 1, type: 'fail', f: 'read', key: 'k', value: null, node: 'n2', error: 'NoLeader' },
      { process: 0, type: 'invoke', f: 'read', key: 'k', value: null, node: 'n1' },
      { process: 0, type: 'ok', f: 'read', key: 'k', value: null, node: 'n1' },
    ]);
    expect((await checkRun(runDir(ops), register)).checkers['recovery']).toMatchObject({
      valid: 'unknown',
      reason:
        '1 of 3 operations after the final heal did not succeed, and their nodes (n2) served nothing invoked later',
      transientFailures: 1,
    });
    const recovered = ops.filter((op) => op.node !== 'n2');
    expect((await checkRun(runDir(recovered), register)).checkers['recovery']).toMatchObject({
      valid: true,
      finalOps: 2,
      transientFailures: 1,
    });
  });

  it('a crash, an interrupt, a missing execution record or a plan that mostly did not happen make the run unknown', async () => {
    const ops = history([
      { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'k', value: 1 },
      ...nemesis('heal-all'),
      { process: 1, type: 'invoke', f: 'read', key: 'k', value: null },
      { process: 1, type: 'ok', f: 'read', key: 'k', value: 1 },
    ]);
    const reasons = async (execution: ExecutionRecord | null): Promise<string> => {
      const results = await checkRun(runDir(ops, execution), register);
      expect(results.valid).toBe('unknown');
      return String(results.checkers['run']!.reason);
    };
    expect(await reasons({ ...cleanExecution, crash: 'boom' })).toMatch(/crashed: boom/);
    expect(await reasons({ ...cleanExecution, interrupted: true })).toMatch(/interrupted/);
    expect(await reasons(null)).toMatch(/execution.json is missing/);
    expect(await reasons({ ...cleanExecution, plan: { ...cleanExecution.plan!, opsLate: 4, opsSkipped: 3 } })).toMatch(
      /7 of 10 planned ops were skipped or ran late/,
    );
    expect(
      await reasons({
        ...cleanExecution,
        plan: { ...cleanExecution.plan!, opsLate: 6, opsLateByHarness: 4, opsSkipped: 2 },
      }),
    ).toMatch(/6 of 10 planned ops were skipped or ran late .* because the harness itself lagged/);
  });

  it('ops that only waited for a worker busy with a slow answer leave the run valid, with a warning that tells the two causes apart', async () => {
    const ops = history([
      { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'k', value: 1 },
    ]);
    const results = await checkRun(
      runDir(ops, {
        ...cleanExecution,
        plan: { ...cleanExecution.plan!, opsLate: 5, opsLateByHarness: 1, opsSkipped: 3, opsSkippedByHarness: 0 },
      }),
      register,
    );
    const run = results.checkers['run']!;
    expect(run.valid).toBe(true);
    expect(run.warnings).toEqual([
      expect.stringMatching(
        /8 of 10 planned ops ran late .*1 of them because the harness itself lagged, 7 waited for a worker busy with a slow answer/,
      ),
    ]);
  });

  it('a checker that throws yields unknown with its error, and the others still run', async () => {
    const thrower: Checker = {
      name: 'boom',
      check: () => {
        throw new Error('kaput');
      },
    };
    const results = await checkRun(runDir(history([])), workload([thrower, statsChecker]));
    expect(results.checkers['boom']).toEqual({ valid: 'unknown', reason: 'the boom checker threw: kaput' });
    expect(results.checkers['stats']!.valid).toBe('unknown');
  });

  it('combines verdicts and maps them to exit codes', () => {
    expect(combineValidity([true, 'unknown', false])).toBe(false);
    expect(combineValidity([true, 'unknown'])).toBe('unknown');
    expect(combineValidity([true, true])).toBe(true);
    expect([exitCodeOf(true), exitCodeOf(false), exitCodeOf('unknown')]).toEqual([0, 1, 2]);
  });
});
