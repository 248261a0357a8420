/**
 * `npm run bench:harness`: how many ops per second the harness itself can
 * issue and record (plan → client workers → history.jsonl with fsync →
 * check), first against the in-process fake SUT (so the harness is the only
 * cost), then against a local 3-node reference cluster. No faults, so the
 * numbers measure throughput, not recovery. Prints a table and writes JSON to
 * .tmp/bench-harness.json. Lives in workloads/ because it drives the register
 * workload (harness/ may not import workloads/).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGrpcNodeAccess } from '../../harness/client/index.js';
import type { ClusterBackend } from '../../harness/cluster/cluster-backend.js';
import { createFakeBackend } from '../../harness/cluster/fake/index.js';
import { createLocalBackend, packageRoot } from '../../harness/cluster/local/index.js';
import type { NodeAccess } from '../../harness/client/index.js';
import { readHistoryJsonl } from '../../harness/history/index.js';
import type { HistoryOp } from '../../harness/history/index.js';
import type { NemesisCluster } from '../../harness/nemesis/index.js';
import { createProgressDisplay } from '../../harness/progress/index.js';
import { runTest, testDefaults } from '../../harness/runner/index.js';
import type { TestConfig } from '../../harness/runner/index.js';
import { workloadRegistry } from '../index.js';

interface Scenario {
  readonly name: string;
  readonly backend: ClusterBackend;
  readonly nodeAccess: (cluster: NemesisCluster) => NodeAccess;
  readonly concurrency: number;
  readonly offeredOpsPerSecond: number;
  readonly timeLimitMs: number;
}

interface Measurement {
  readonly scenario: string;
  readonly concurrency: number;
  readonly offeredOpsPerSecond: number;
  readonly completedOpsPerSecond: number;
  readonly ok: number;
  readonly notOk: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly checkMs: number;
  readonly valid: unknown;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function measure(
  ops: readonly HistoryOp[],
  timeLimitMs: number,
): { completed: number; ok: number; latencies: number[] } {
  const invokedAt = new Map<number | string, number>();
  const latencies: number[] = [];
  let ok = 0;
  let completed = 0;
  for (const op of ops) {
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      invokedAt.set(op.process, op.time);
      continue;
    }
    const start = invokedAt.get(op.process);
    // Main phase only: the final reads after the heal are not throughput.
    if (start === undefined || start / 1e6 >= timeLimitMs) continue;
    completed += 1;
    if (op.type === 'ok') ok += 1;
    latencies.push((op.time - start) / 1e6);
  }
  return { completed, ok, latencies: latencies.sort((a, b) => a - b) };
}

async function runScenario(scenario: Scenario, storeDir: string): Promise<Measurement> {
  const config: TestConfig = {
    ...testDefaults,
    name: `bench-${scenario.name}`,
    backend: scenario.backend.name,
    nodes: ['n1', 'n2', 'n3'],
    faults: [],
    seed: 1,
    storeDir,
    commonNodeFlags: [],
    nodeFlags: {},
    concurrency: scenario.concurrency,
    opsPerSecond: scenario.offeredOpsPerSecond,
    timeLimitMs: scenario.timeLimitMs,
    recoveryMs: 0,
  };
  const started = performance.now();
  const outcome = await runTest(config, {
    backend: scenario.backend,
    nodeAccess: scenario.nodeAccess,
    operatorApi: () => null,
    adminCommand: null,
    workloads: workloadRegistry,
    progress: createProgressDisplay(),
    signal: new AbortController().signal,
    log: () => undefined,
    versions: {},
  });
  const totalMs = performance.now() - started;
  const { completed, ok, latencies } = measure(
    readHistoryJsonl(join(outcome.runDir, 'history.jsonl')).ops,
    scenario.timeLimitMs,
  );
  return {
    scenario: scenario.name,
    concurrency: scenario.concurrency,
    offeredOpsPerSecond: scenario.offeredOpsPerSecond,
    completedOpsPerSecond: Math.round(completed / (scenario.timeLimitMs / 1000)),
    ok,
    notOk: completed - ok,
    latencyP50Ms: Number(percentile(latencies, 50).toFixed(2)),
    latencyP99Ms: Number(percentile(latencies, 99).toFixed(2)),
    // Everything after the plan: check, EDN export, artifacts (cluster start/stop included for local).
    checkMs: Math.round(totalMs - scenario.timeLimitMs),
    valid: outcome.results.valid,
  };
}

async function main(): Promise<void> {
  const storeDir = mkdtempSync(join(tmpdir(), 'ekv-bench-harness-'));
  const fake = createFakeBackend({ seed: 1, staleReadProbability: 0 });
  const fakeAccess = (cluster: NemesisCluster): NodeAccess => fake.nodeAccess(cluster);
  const local = createLocalBackend();
  const scenarios: Scenario[] = [
    {
      name: 'fake-sut',
      backend: fake,
      nodeAccess: fakeAccess,
      concurrency: 16,
      offeredOpsPerSecond: 50_000,
      timeLimitMs: 5_000,
    },
    {
      name: 'fake-sut',
      backend: fake,
      nodeAccess: fakeAccess,
      concurrency: 64,
      offeredOpsPerSecond: 50_000,
      timeLimitMs: 5_000,
    },
    {
      name: 'local-3-nodes',
      backend: local,
      nodeAccess: () => createGrpcNodeAccess(),
      concurrency: 16,
      offeredOpsPerSecond: 3_000,
      timeLimitMs: 10_000,
    },
    {
      name: 'local-3-nodes',
      backend: local,
      nodeAccess: () => createGrpcNodeAccess(),
      concurrency: 64,
      offeredOpsPerSecond: 3_000,
      timeLimitMs: 10_000,
    },
  ];
  const results: Measurement[] = [];
  try {
    for (const scenario of scenarios) {
      process.stderr.write(
        `bench:harness: ${scenario.name}, ${scenario.concurrency} clients, offered ${scenario.offeredOpsPerSecond} ops/s for ${scenario.timeLimitMs / 1000} s …\n`,
      );
      results.push(await runScenario(scenario, storeDir));
    }
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
  console.table(results);
  const out = join(packageRoot(), '.tmp', 'bench-harness.json');
  mkdirSync(join(packageRoot(), '.tmp'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
  );
  process.stdout.write(`written to ${out}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:harness: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
