/**
 * One test run, end to end: plan (from the seed) → run directory → cluster
 * → clients, nemesis and the rollout process execute the plan while
 * history.jsonl and status.jsonl stream to disk → heal, rollout drain,
 * recovery, final phase → stop, artifacts (node inspections) → execution.json
 * → the workload's checkers → results.json and a verdict. The cluster,
 * connections, timers and files are released on every exit path, including
 * an interrupt (the signal).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { ClusterBackend, ClusterSpec } from '../cluster/cluster-backend.js';
import { probeStatuses, waitForLeader } from '../client/leader.js';
import type { NodeAccess } from '../client/kv-connection.js';
import type { OperatorApi } from '../client/operator-api.js';
import { checkRun, exitCodeOf, writeResults } from '../checking/index.js';
import type { ExecutionRecord, RunResults, UnexpectedExitRecord } from '../checking/index.js';
import { HarnessError } from '../errors/index.js';
import { Random } from '../generator/index.js';
import { readHistoryJsonl, writeHistoryEdn, writeHistoryText } from '../history/index.js';
import type { NemesisCluster } from '../nemesis/index.js';
import { buildPlan, planToJsonl } from '../plan/index.js';
import type { Plan } from '../plan/index.js';
import type { ProgressDisplay } from '../progress/index.js';
import type { RolloutProgram } from '../rollout/rollout-program.js';
import type { RolloutExpectations } from '../../checkers/artifacts/index.js';
import { noExpectations } from '../../checkers/artifacts/index.js';
import { createRunDirectory, inspectNodes, runFiles } from '../store/index.js';
import { writeReport } from '../report/index.js';
import type { Workload, WorkloadOptions, WorkloadRegistry } from '../workload/index.js';
import { drive } from './drive.js';
import { initialNodeFlags, kekFileOf } from './node-flags.js';
import type { PlanRunReport } from './plan-runner.js';
import type { TestConfig } from './test-config.js';

/** What a run needs besides its config (injected, so tests can use the fake SUT). */
export interface RunTestDependencies {
  readonly backend: ClusterBackend;
  /** How the harness's clients reach the started cluster's nodes. */
  readonly nodeAccess: (cluster: NemesisCluster) => NodeAccess;
  /** The operator's API (status sampling, rollout); null when the backend has none (the fake SUT). */
  readonly operatorApi: (cluster: NemesisCluster, kekFile: string | null) => OperatorApi | null;
  readonly workloads: WorkloadRegistry;
  readonly progress: ProgressDisplay;
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** Extra facts for test.json (versions, command line, git commit). */
  readonly versions: Readonly<Record<string, string>>;
  /** `ekv-admin` as a command (program + leading args), for the offline inspections; null: no inspections. */
  readonly adminCommand: readonly string[] | null;
}

export interface RunOutcome {
  readonly runDir: string;
  readonly results: RunResults;
  readonly exitCode: number;
}

/** What a scenario adds to a plain workload run. */
export interface RunScenario {
  readonly program: RolloutProgram | null;
  readonly expectations: RolloutExpectations;
}

/** Options of a run beyond its config. */
export interface RunTestOptions {
  /** Run a stored plan instead of generating one (replay). */
  readonly plan?: Plan;
  /** The run directory the plan came from (recorded in test.json). */
  readonly replayOf?: string;
  readonly scenario?: RunScenario;
}

/** The workload a config names. */
export function resolveWorkload(name: string, workloads: WorkloadRegistry): Workload {
  const workload = workloads.get(name);
  if (workload === undefined)
    throw new HarnessError('INVALID_OPTION', `unknown workload "${name}" (known: ${[...workloads.keys()].join(', ')})`);
  return workload;
}

/** The workload options of a config. */
export function workloadOptions(config: TestConfig): WorkloadOptions {
  return { keys: config.keys, nodes: config.nodes, canaryShare: config.canaryShare };
}

/** The plan of a config (the same seed and config give the same plan). */
export function makePlan(config: TestConfig, workload: Workload, program: RolloutProgram | null): Plan {
  return buildPlan(
    {
      workload,
      workloadOptions: workloadOptions(config),
      rollout: program,
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
    nodes: config.nodes.map((id) => ({
      id,
      flags: initialNodeFlags(config, runDir, id),
      initialVoter: !config.joiners.includes(id),
    })),
    runDir,
    // Halts are observed through Status (the halt-apply checker); a halted node keeps serving it.
    commonFlags: ['--no-exit-on-halt', ...config.commonNodeFlags],
    startTimeoutMs: config.nodeStartTimeoutMs,
  };
}

/** Runs one test and returns its verdict; throws only for invalid configuration. */
export async function runTest(
  config: TestConfig,
  deps: RunTestDependencies,
  options: RunTestOptions = {},
): Promise<RunOutcome> {
  const workload = resolveWorkload(config.workload, deps.workloads);
  const scenario = options.scenario ?? { program: null, expectations: noExpectations };
  const plan = options.plan ?? makePlan(config, workload, scenario.program);
  const startedAt = new Date();
  const t0 = performance.now();
  const runDir = createRunDirectory(config.storeDir, config.name, startedAt);
  writeFileSync(join(runDir, runFiles.planJsonl), planToJsonl(plan));
  const testJson = {
    name: config.name,
    seed: config.seed,
    startedAt: startedAt.toISOString(),
    workload: config.workload,
    scenario: config.scenario,
    expectations: scenario.expectations,
    config,
    versions: deps.versions,
    plan: { events: plan.events.length, endMs: plan.endMs, rolloutSteps: scenario.program?.steps.length ?? 0 },
    ...(options.replayOf === undefined ? {} : { replayOf: options.replayOf }),
  };
  writeJson(join(runDir, runFiles.testJson), testJson);
  const kekFile = config.encryptionNodes.length > 0 ? kekFileOf(runDir) : null;
  if (kekFile !== null) writeFileSync(kekFile, randomBytes(32), { mode: 0o600 });
  deps.log(
    `ekv-jepsen: test ${config.name}${config.scenario === null ? '' : ` (scenario ${config.scenario})`}, seed ${config.seed}, ${plan.events.length} planned events, run directory ${runDir}`,
  );
  const execution = await execute({ config, deps, plan, runDir, startedAt, workload, kekFile, testJson });
  const record: ExecutionRecord = { ...execution.record, durationMs: Math.round(performance.now() - t0) };
  writeJson(join(runDir, runFiles.executionJson), record);
  const outcome = await finish(runDir, workload, record, deps);
  if (execution.stopLeftRunning !== null) {
    deps.log(`ekv-jepsen: verdict ${String(outcome.results.valid)}; the cluster stays up until Ctrl-C`);
    if (!deps.signal.aborted)
      await new Promise<void>((resolve) => deps.signal.addEventListener('abort', () => resolve(), { once: true }));
    await execution.stopLeftRunning();
  }
  return outcome;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

interface RunContext {
  readonly config: TestConfig;
  readonly deps: RunTestDependencies;
  readonly plan: Plan;
  readonly runDir: string;
  readonly startedAt: Date;
  readonly workload: Workload;
  readonly kekFile: string | null;
  readonly testJson: Record<string, unknown>;
}

interface Execution {
  readonly record: Omit<ExecutionRecord, 'durationMs'>;
  /** With --leave-running: stops the cluster once the user is done with it. */
  readonly stopLeftRunning: (() => Promise<void>) | null;
}

async function execute(run: RunContext): Promise<Execution> {
  const { config, deps, runDir } = run;
  let report: PlanRunReport | null = null;
  let crash: string | null = null;
  let cluster: NemesisCluster | null = null;
  let access: NodeAccess | null = null;
  let api: OperatorApi | null = null;
  let leaveRunning = false;
  try {
    const unavailable = await deps.backend.unavailableReason();
    if (unavailable !== null)
      throw new HarnessError('BACKEND_UNAVAILABLE', `backend ${deps.backend.name} unavailable: ${unavailable}`);
    cluster = await deps.backend.start(clusterSpec(config, runDir));
    access = deps.nodeAccess(cluster);
    api = deps.operatorApi(cluster, run.kekFile);
    await waitForLeader(
      access,
      () => (cluster as NemesisCluster).nodes().filter((n) => !config.joiners.includes(n.id)),
      { waitMaxMs: config.clusterReadyWaitMaxMs, pollMs: 100, rpcTimeoutMs: config.statusRpcTimeoutMs },
    );
    recordNodeVersions(run, await probeStatuses(access, cluster.nodes(), config.statusRpcTimeoutMs), cluster.image);
    report = await drive({
      config,
      deps,
      plan: run.plan,
      runDir,
      startedAt: run.startedAt,
      workload: run.workload,
      cluster,
      access,
      api,
    });
    leaveRunning = config.leaveRunning && !deps.signal.aborted;
  } catch (error) {
    crash = error instanceof Error ? error.message : String(error);
  }
  const collection: string[] = [];
  if (cluster !== null && !leaveRunning) await release(run, cluster, access, api, collection);
  else api?.close();
  const exits: UnexpectedExitRecord[] =
    cluster !== null && 'unexpectedExits' in cluster && typeof cluster.unexpectedExits === 'function'
      ? [...(cluster.unexpectedExits as () => UnexpectedExitRecord[])()]
      : [];
  const finalCluster = cluster;
  const finalAccess = access;
  const stopLeftRunning =
    leaveRunning && finalCluster !== null
      ? async (): Promise<void> => {
          finalAccess?.close();
          await finalCluster.stop();
        }
      : null;
  if (stopLeftRunning !== null && finalCluster !== null)
    deps.log(
      `ekv-jepsen: cluster left running (${finalCluster
        .nodes()
        .map((n) => `${n.id}=${n.clientAddress}`)
        .join(' ')})`,
    );
  const { rollout = null, ...plan } = report ?? {};
  return {
    record: {
      unexpectedExits: exits,
      plan: report === null ? null : (plan as NonNullable<ExecutionRecord['plan']>),
      rollout,
      crash,
      interrupted: deps.signal.aborted || report?.interrupted === true,
      collection,
    },
    stopLeftRunning,
  };
}

/** Stops the cluster, then inspects every node's data dir; released on every path. */
async function release(
  run: RunContext,
  cluster: NemesisCluster,
  access: NodeAccess | null,
  api: OperatorApi | null,
  collection: string[],
): Promise<void> {
  try {
    await cluster.collectArtifacts(join(run.runDir, runFiles.nodes));
  } catch (error) {
    collection.push(`collecting node artifacts failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  access?.close();
  api?.close();
  await cluster.stop();
  if (run.deps.adminCommand !== null && cluster.backend !== 'fake') {
    collection.push(
      ...(await inspectNodes({
        runDir: run.runDir,
        nodes: cluster.nodes().map((n) => n.id),
        kekFile: run.kekFile,
        adminCommand: run.deps.adminCommand,
      })),
    );
  }
  for (const problem of collection) run.deps.log(`ekv-jepsen: ${problem}`);
}

/** Adds what the nodes report about themselves (version, stage, bugs) to test.json once they run. */
function recordNodeVersions(
  run: RunContext,
  statuses: readonly { id: string; version: string; stage: string; bugs: readonly string[] }[],
  image: string | undefined,
): void {
  run.testJson['nodes'] = statuses.map((s) => ({ id: s.id, version: s.version, stage: s.stage, bugs: s.bugs }));
  if (image !== undefined) run.testJson['imageTag'] = image;
  writeJson(join(run.runDir, runFiles.testJson), run.testJson);
}

async function finish(
  runDir: string,
  workload: Workload,
  record: ExecutionRecord,
  deps: RunTestDependencies,
): Promise<RunOutcome> {
  const warnings: string[] = [];
  try {
    const read = readHistoryJsonl(join(runDir, runFiles.historyJsonl));
    writeHistoryEdn(join(runDir, runFiles.historyEdn), read.ops);
    writeHistoryText(join(runDir, runFiles.historyText), read.ops);
  } catch (error) {
    warnings.push(`history unreadable: ${error instanceof Error ? error.message : String(error)}`);
  }
  const results = await checkRun(runDir, workload, warnings);
  writeResults(join(runDir, runFiles.resultsJson), results);
  const report = await writeReport(runDir, { results });
  if ('error' in report) deps.log(`ekv-jepsen: warning: ${report.error}`);
  const exitCode = record.crash !== null && results.valid !== false ? 255 : exitCodeOf(results.valid);
  for (const warning of results.warnings) deps.log(`ekv-jepsen: warning: ${warning}`);
  if (record.crash !== null) deps.log(`ekv-jepsen: run crashed: ${record.crash}`);
  return { runDir, results, exitCode };
}
