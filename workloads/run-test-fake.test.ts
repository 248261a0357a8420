// The whole runner pipeline (plan → execution with faults → history → checks
// → run directory) against the in-process fake SUT: a correct fake must be
// valid, one that serves stale reads must be caught. Lives in workloads/
// because it needs the register workload (harness/ may not import workloads/).
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeBackend } from '../harness/cluster/fake/index.js';
import { readHistoryJsonl } from '../harness/history/index.js';
import { parseFaultList } from '../harness/nemesis/index.js';
import { createProgressDisplay } from '../harness/progress/index.js';
import { runTest, testDefaults } from '../harness/runner/index.js';
import type { TestConfig } from '../harness/runner/index.js';
import { workloadRegistry } from './index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function config(storeDir: string, overrides: Partial<TestConfig> = {}): TestConfig {
  return {
    ...testDefaults,
    name: 'fake-register',
    backend: 'fake',
    nodes: ['n1', 'n2', 'n3'],
    workload: 'register',
    faults: parseFaultList('partition,kill,pause'),
    nemesisIntervalMs: 400,
    timeLimitMs: 2_500,
    opsPerSecond: 300,
    concurrency: 6,
    keys: 3,
    seed: 17,
    storeDir,
    commonNodeFlags: [],
    nodeFlags: {},
    recoveryMs: 200,
    opTimeoutMs: 150,
    ...overrides,
  };
}

async function run(staleReadProbability: number, overrides: Partial<TestConfig> = {}) {
  const storeDir = mkdtempSync(join(tmpdir(), 'ekv-store-'));
  dirs.push(storeDir);
  const backend = createFakeBackend({ seed: 5, staleReadProbability });
  const lines: string[] = [];
  const outcome = await runTest(config(storeDir, overrides), {
    backend,
    nodeAccess: (cluster) => backend.nodeAccess(cluster),
    operatorApi: () => null,
    adminCommand: null,
    workloads: workloadRegistry,
    progress: createProgressDisplay(),
    signal: new AbortController().signal,
    log: (line) => lines.push(line),
    versions: { test: '1' },
  });
  return { ...outcome, storeDir, lines };
}

describe('runTest on the fake SUT', () => {
  it('a correct SUT under partitions, kills and pauses is valid, and the run directory is complete', async () => {
    const { runDir, results, exitCode, storeDir } = await run(0);
    expect(results.checkers['linearizability']!.valid).toBe(true);
    expect(results.valid).toBe(true);
    expect(exitCode).toBe(0);
    for (const file of ['test.json', 'plan.jsonl', 'history.jsonl', 'history.edn', 'results.json'])
      expect(existsSync(join(runDir, file))).toBe(true);
    expect(resolve(storeDir, readlinkSync(join(storeDir, 'latest')))).toBe(runDir);
    const history = readHistoryJsonl(join(runDir, 'history.jsonl'));
    const nemesisFs = new Set(history.ops.filter((op) => op.process === 'nemesis').map((op) => op.f));
    expect(nemesisFs.has('heal-all')).toBe(true);
    expect(history.ops.some((op) => op.type === 'info')).toBe(true);
    const testJson = JSON.parse(readFileSync(join(runDir, 'test.json'), 'utf8'));
    expect(testJson.seed).toBe(17);
    expect(testJson.nodes).toEqual(['n1', 'n2', 'n3'].map((id) => ({ id, version: 'fake', stage: '6F', bugs: [] })));
    const stats = results.checkers['stats'] as unknown as { byPhase: Record<string, unknown> };
    expect(Object.keys(stats.byPhase)).toEqual(['before-faults', 'during-faults', 'after-heal']);
  });

  it('a SUT that serves stale reads is caught: invalid, exit 1, with a failure page', async () => {
    const { results, exitCode, runDir } = await run(0.5, { faults: [] });
    expect(results.checkers['linearizability']!.valid).toBe(false);
    expect(results.valid).toBe(false);
    expect(exitCode).toBe(1);
    expect(existsSync(join(runDir, 'linearizability.html'))).toBe(true);
  });

  it('info ops move the client to a fresh process id', async () => {
    const { runDir } = await run(0, { faults: parseFaultList('pause'), nemesisIntervalMs: 300 });
    const ops = readHistoryJsonl(join(runDir, 'history.jsonl')).ops.filter((op) => op.process !== 'nemesis');
    const infos = ops.filter((op) => op.type === 'info');
    expect(infos.length).toBeGreaterThan(0);
    for (const info of infos) {
      const later = ops.filter((op) => op.index > info.index && op.type === 'invoke' && op.process === info.process);
      expect(later).toEqual([]);
    }
  });
});
