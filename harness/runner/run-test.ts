/**
 * One test run, end to end: plan (from the seed) → run directory → cluster
 * → clients + nemesis execute the plan while history.jsonl streams to disk
 * → heal, recovery, final reads → artifacts → checkers → results.json and a
 * verdict. The cluster, connections, timers and the history file are released
 * on every exit path, including an interrupt (the signal).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ClusterBackend, ClusterSpec } from '../cluster/cluster-backend.js';
import { findLeader, probeStatuses, waitForLeader } from '../client/leader.js';
import type { NodeAccess, NodeStatusSummary } from '../client/kv-connection.js';
import { checkHistory, exitCodeOf, writeResults } from '../checking/index.js';
import type { RunResults } from '../checking/index.js';
import { HarnessError } from '../errors/index.js';
import { Random } from '../generator/index.js';
import { HistoryWriter, makeHistoryHeader, readHistoryJsonl, writeHistoryEdn } from '../history/index.js';
import { NemesisExecutor } from '../nemesis/index.js';
import type { NemesisCluster } from '../nemesis/index.js';
import { buildPlan, planToJsonl } from '../plan/index.js';
import type { Plan } from '../plan/index.js';
import type { ProgressDisplay } from '../progress/index.js';
import { createRunDirectory, runFiles } from '../store/index.js';
import type { Workload, WorkloadRegistry } from '../workload/index.js';
import { ClientWorker } from './client-worker.js';
import { runPlan } from './plan-runner.js';
import type { PlanRunReport } from './plan-runner.js';
import type { TestConfig } from './test-config.js';

/** What a run needs besides its config (injected, so tests can use the fake SUT). */
export interface RunTestDependencies {
  readonly backend: ClusterBackend;
  /** How the harness reaches the started cluster's nodes. */
  readonly nodeAccess: (cluster: NemesisCluster) => NodeAccess;
  readonly workloads: WorkloadRegistry;
  readonly progress: ProgressDisplay;
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** Extra facts for test.json (versions, command line). */
  readonly versions: Readonly<Record<string, string>>;
}

export interface RunOutcome {
  readonly runDir: string;
  readonly results: RunResults;
  readonly exitCode: number;
}

function resolveWorkload(config: TestConfig, workloads: WorkloadRegistry): Workload {
  const workload = workloads.get(config.workload);
  if (workload === undefined) throw new HarnessError('INVALID_OPTION', `unknown workload "${config.workload}" (known: ${[...workloads.keys()].join(', ')})`);
  return workload;
}

function makePlan(config: TestConfig, workload: Workload): Plan {
  return buildPlan(
    {
      workload,
      keys: config.keys,
      nodes: config.nodes,
      concurrency: config.concurrency,
      timeLimitMs: config.timeLimitMs,
      opsPerSecond: config.opsPerSecond,
      faults: config.faults,
      nemesisIntervalMs: config.nemesisIntervalMs,
      faultTuning: config.faultTuning,
      recoveryMs: config.recoveryMs,
      planEventsMax: config.planEventsMax,
    },
    new Random(config.seed),
  );
}

function clusterSpec(config: TestConfig, runDir: string): ClusterSpec {
  return {
    nodes: config.nodes.map((id) => ({ id, flags: config.nodeFlags[id] ?? [], initialVoter: true })),
    runDir,
    commonFlags: config.commonNodeFlags,
    startTimeoutMs: config.nodeStartTimeoutMs,
  };
}

/** Options of a replay: run a stored plan instead of generating one. */
export interface RunTestOptions {
  readonly plan?: Plan;
  /** The run directory the plan came from (recorded in test.json). */
  readonly replayOf?: string;
}

/** Runs one test and returns its verdict; throws only for invalid configuration. */
export async function runTest(config: TestConfig, deps: RunTestDependencies, options: RunTestOptions = {}): Promise<RunOutcome> {
  const workload = resolveWorkload(config, deps.workloads);
  const plan = options.plan ?? makePlan(config, workload);
  const startedAt = new Date();
  const runDir = createRunDirectory(config.storeDir, config.name, startedAt);
  writeFileSync(join(runDir, runFiles.planJsonl), planToJsonl(plan));
  const testJson = { name: config.name, seed: config.seed, startedAt: startedAt.toISOString(), config, versions: deps.versions, plan: { events: plan.events.length, endMs: plan.endMs }, ...(options.replayOf === undefined ? {} : { replayOf: options.replayOf }) };
  writeFileSync(join(runDir, runFiles.testJson), `${JSON.stringify(testJson, null, 2)}\n`);
  deps.log(`ekv-jepsen: test ${config.name}, seed ${config.seed}, ${plan.events.length} planned events, run directory ${runDir}`);
  let execution: ExecutionReport;
  try {
    execution = await execute(config, deps, plan, runDir, startedAt);
  } catch (error) {
    execution = { report: null, crash: error instanceof Error ? error.message : String(error), unexpectedExits: [], stopLeftRunning: null };
  }
  const outcome = finish(config, runDir, workload, execution, deps);
  if (execution.stopLeftRunning !== null) {
    deps.log(`ekv-jepsen: verdict ${String(outcome.results.valid)}; the cluster stays up until Ctrl-C`);
    if (!deps.signal.aborted) await new Promise<void>((resolve) => deps.signal.addEventListener('abort', () => resolve(), { once: true }));
    await execution.stopLeftRunning();
  }
  return outcome;
}

interface ExecutionReport {
  readonly report: PlanRunReport | null;
  readonly crash: string | null;
  readonly unexpectedExits: readonly unknown[];
  /** With --leave-running: stops the cluster once the user is done with it. */
  readonly stopLeftRunning: (() => Promise<void>) | null;
}

async function execute(config: TestConfig, deps: RunTestDependencies, plan: Plan, runDir: string, startedAt: Date): Promise<ExecutionReport> {
  const unavailable = await deps.backend.unavailableReason();
  if (unavailable !== null) throw new HarnessError('BACKEND_UNAVAILABLE', `backend ${deps.backend.name} unavailable: ${unavailable}`);
  const cluster = await deps.backend.start(clusterSpec(config, runDir));
  let access: NodeAccess | null = null;
  let outcome: { report: PlanRunReport | null; crash: string | null } = { report: null, crash: null };
  let leaveRunning = false;
  try {
    access = deps.nodeAccess(cluster);
    outcome = await drive(config, deps, plan, { cluster, access, runDir, startedAt });
    leaveRunning = config.leaveRunning && outcome.crash === null && !deps.signal.aborted;
  } catch (error) {
    outcome = { report: null, crash: error instanceof Error ? error.message : String(error) };
  } finally {
    // Released on every path, including a failure to set up the run around a started cluster.
    await releaseCluster(deps, cluster, leaveRunning ? null : access, runDir, !leaveRunning);
  }
  const unexpectedExits = 'unexpectedExits' in cluster && typeof cluster.unexpectedExits === 'function' ? (cluster.unexpectedExits as () => readonly unknown[])() : [];
  const finalAccess = access;
  const stopLeftRunning = leaveRunning
    ? async (): Promise<void> => {
        finalAccess?.close();
        await cluster.stop();
      }
    : null;
  if (leaveRunning) deps.log(`ekv-jepsen: cluster left running (${cluster.nodes().map((n) => `${n.id}=${n.clientAddress}`).join(' ')})`);
  return { ...outcome, unexpectedExits, stopLeftRunning };
}

/** Runs the plan on a started cluster, streaming the history; never leaves the writer or workers open. */
async function drive(
  config: TestConfig,
  deps: RunTestDependencies,
  plan: Plan,
  run: { readonly cluster: NemesisCluster; readonly access: NodeAccess; readonly runDir: string; readonly startedAt: Date },
): Promise<{ report: PlanRunReport | null; crash: string | null }> {
  const { cluster, access } = run;
  const t0 = performance.now();
  const history = new HistoryWriter({
    path: join(run.runDir, runFiles.historyJsonl),
    header: makeHistoryHeader({ test: config.name, seed: config.seed, startedAt: run.startedAt.toISOString() }),
    fsyncIntervalMs: config.historyFsyncIntervalMs,
    clock: () => (performance.now() - t0) * 1e6,
  });
  const workers: ClientWorker[] = [];
  const nemesis = new NemesisExecutor({ cluster, findLeader: () => findLeader(access, cluster.nodes(), config.statusRpcTimeoutMs), record: (d) => history.append(d) });
  try {
    await waitForLeader(access, () => cluster.nodes(), { waitMaxMs: config.clusterReadyWaitMaxMs, pollMs: 100, rpcTimeoutMs: config.statusRpcTimeoutMs });
    await recordNodeVersions(run.runDir, await probeStatuses(access, cluster.nodes(), config.statusRpcTimeoutMs));
    const nodes = cluster.nodes();
    for (let thread = 0; thread < config.concurrency; thread += 1) {
      const node = nodes[thread % nodes.length];
      if (node === undefined) throw new Error('cluster has no nodes');
      workers.push(new ClientWorker(thread, config.concurrency, access.connect(node.id, node.clientAddress), (d) => history.append(d), config.opTimeoutMs));
    }
    // Health after the heal: the final reads should meet a cluster with a leader (bounded; a miss shows up as failed final reads).
    const beforeFinal = async (): Promise<void> => {
      await waitForLeader(access, () => cluster.nodes(), { waitMaxMs: config.clusterReadyWaitMaxMs, pollMs: 100, rpcTimeoutMs: config.statusRpcTimeoutMs }).catch((error: unknown) => {
        deps.log(`ekv-jepsen: after the heal: ${error instanceof Error ? error.message : String(error)}`);
      });
    };
    return { report: await runWithProgress(config, deps, plan, { workers, nemesis, history, startMs: performance.now(), beforeFinal }), crash: null };
  } catch (error) {
    return { report: null, crash: error instanceof Error ? error.message : String(error) };
  } finally {
    deps.progress.stop();
    nemesis.dispose();
    for (const worker of workers) worker.close();
    history.close();
  }
}

/** Adds what the nodes report about themselves (version, stage, bugs) to test.json once they run. */
async function recordNodeVersions(runDir: string, statuses: readonly NodeStatusSummary[]): Promise<void> {
  const path = join(runDir, runFiles.testJson);
  const test = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  test['nodes'] = statuses.map((s) => ({ id: s.id, version: s.version, stage: s.stage, bugs: s.bugs }));
  writeFileSync(path, `${JSON.stringify(test, null, 2)}\n`);
}

async function runWithProgress(
  config: TestConfig,
  deps: RunTestDependencies,
  plan: Plan,
  parts: { readonly workers: readonly ClientWorker[]; readonly nemesis: NemesisExecutor; readonly history: HistoryWriter; readonly startMs: number; readonly beforeFinal: () => Promise<void> },
): Promise<PlanRunReport> {
  const counts = { ok: 0, fail: 0, info: 0 };
  parts.history.onAppend((op) => {
    if (op.process !== 'nemesis' && op.type !== 'invoke') counts[op.type] += 1;
  });
  const elapsedMs = (): number => performance.now() - parts.startMs;
  deps.progress.start(plan.endMs / 1000);
  const timer = setInterval(() => deps.progress.update(elapsedMs() / 1000, counts, parts.nemesis.activeFaults()), 250);
  try {
    return await runPlan({ plan, workers: parts.workers, nemesis: parts.nemesis, elapsedMs, signal: deps.signal, beforeFinal: parts.beforeFinal });
  } finally {
    clearInterval(timer);
  }
}

async function releaseCluster(deps: RunTestDependencies, cluster: NemesisCluster, access: NodeAccess | null, runDir: string, stop: boolean): Promise<void> {
  try {
    await cluster.collectArtifacts(join(runDir, runFiles.nodes));
  } catch (error) {
    deps.log(`ekv-jepsen: collecting node artifacts failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!stop) return;
  access?.close();
  await cluster.stop();
}

function finish(config: TestConfig, runDir: string, workload: Workload, execution: ExecutionReport, deps: RunTestDependencies): RunOutcome {
  const warnings: string[] = [];
  let ops: ReturnType<typeof readHistoryJsonl>['ops'] = [];
  try {
    const read = readHistoryJsonl(join(runDir, runFiles.historyJsonl));
    ops = read.ops;
    warnings.push(...read.warnings);
    writeHistoryEdn(join(runDir, runFiles.historyEdn), ops);
  } catch (error) {
    warnings.push(`history unreadable: ${error instanceof Error ? error.message : String(error)}`);
  }
  const checked = checkHistory(ops, { model: workload.model, checkerBudgetMs: config.checkerBudgetMs, unexpectedExits: execution.unexpectedExits, warnings, runDir });
  const extra: Record<string, { valid: 'unknown'; reason: string }> = {};
  if (execution.crash !== null) extra['run'] = { valid: 'unknown', reason: `the run crashed: ${execution.crash}` };
  else if (execution.report?.interrupted === true) extra['run'] = { valid: 'unknown', reason: 'the run was interrupted before the plan finished' };
  const results: RunResults = {
    ...checked,
    valid: Object.keys(extra).length > 0 && checked.valid === true ? 'unknown' : checked.valid,
    checkers: { ...checked.checkers, ...extra },
    ...(execution.report === null ? {} : { execution: execution.report }),
  };
  writeResults(join(runDir, runFiles.resultsJson), results);
  const exitCode = execution.crash !== null && checked.valid !== false ? 255 : exitCodeOf(results.valid);
  for (const warning of warnings) deps.log(`ekv-jepsen: warning: ${warning}`);
  if (execution.crash !== null) deps.log(`ekv-jepsen: run crashed: ${execution.crash}`);
  return { runDir, results, exitCode };
}
