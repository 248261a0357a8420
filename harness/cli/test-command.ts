/**
 * `ekv-jepsen test`: parse options, pick the backend, run the test (or
 * `--test-count` of them), print each verdict, exit 0 valid / 1 invalid /
 * 2 unknown / 255 crashed. Ctrl-C (SIGINT) or SIGTERM aborts the run, which
 * still stops the cluster, collects artifacts and checks what it recorded.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGrpcNodeAccess, createGrpcOperatorApi } from '../client/index.js';
import type { NodeAccess, OperatorApi } from '../client/index.js';
import { createDockerBackend } from '../cluster/docker/index.js';
import { createFakeBackend } from '../cluster/fake/index.js';
import type { ClusterBackend } from '../cluster/cluster-backend.js';
import { createLocalBackend, libfaketimeDefaultPath, packageRoot } from '../cluster/local/index.js';
import { isHarnessError } from '../errors/index.js';
import { faultCapability } from '../nemesis/index.js';
import type { NemesisCluster } from '../nemesis/index.js';
import { createProgressDisplay } from '../progress/index.js';
import { Random } from '../generator/index.js';
import { preflight, runTest } from '../runner/index.js';
import type { RunOutcome, RunScenario, TestConfig } from '../runner/index.js';
import type { BugCaseRegistry, StageSuiteRegistry } from '../matrix/index.js';
import type { Scenario, ScenarioRegistry } from '../scenario/index.js';
import type { WorkloadRegistry } from '../workload/index.js';
import { parseTestOptions, testUsage } from './test-options.js';
import type { CommandIo } from './command-io.js';

/** What the launcher wires in: harness/ may not import workloads/, so workloads and scenarios are passed down. */
export interface Registries {
  readonly workloads: WorkloadRegistry;
  readonly scenarios: ScenarioRegistry;
  /** The scenario `ekv-jepsen test` runs without --scenario or --workload. */
  readonly defaultScenario?: string;
  /** The catalogued bugs `ekv-jepsen bugs` runs. */
  readonly bugCases?: BugCaseRegistry;
  /** The per-stage release suites `ekv-jepsen validate-stage` runs. */
  readonly stageSuites?: StageSuiteRegistry;
}

const exitCrashed = 255;

/** A backend, how its nodes are reached by clients and by the operator. */
export interface SelectedBackend {
  readonly backend: ClusterBackend;
  readonly nodeAccess: (cluster: NemesisCluster) => NodeAccess;
  readonly operatorApi: (cluster: NemesisCluster, kekFile: string | null) => OperatorApi | null;
}

/** The backend of a config and how to reach its nodes. */
export function selectBackend(config: TestConfig, nodeCommand: readonly string[] | null): SelectedBackend {
  const grpc = {
    nodeAccess: () => createGrpcNodeAccess(),
    operatorApi: (_cluster: NemesisCluster, kekFile: string | null) => createGrpcOperatorApi(kekFile),
  };
  switch (config.backend) {
    case 'local': {
      const enableClock = config.faults.some((f) => faultCapability(f) === 'clock');
      // A test double (--node-command) has no operator API: no status sampling, no rollout.
      const backend = createLocalBackend({ enableClock, ...(nodeCommand === null ? {} : { nodeCommand }) });
      return nodeCommand === null
        ? { backend, ...grpc }
        : { backend, nodeAccess: grpc.nodeAccess, operatorApi: () => null };
    }
    case 'docker':
      return { backend: createDockerBackend(), ...grpc };
    case 'fake': {
      const backend = createFakeBackend({ seed: config.seed, staleReadProbability: 0 });
      return { backend, nodeAccess: (cluster) => backend.nodeAccess(cluster), operatorApi: () => null };
    }
  }
}

/** `ekv-node` of this checkout (its --check-flags validates node flags before a run). */
export function nodeProgram(): string[] {
  return [process.execPath, join(packageRoot(), 'bin', 'ekv-node.js')];
}

/** `ekv-admin` of this checkout, for the offline inspections. */
export function adminCommand(): string[] {
  return [process.execPath, join(packageRoot(), 'bin', 'ekv-admin.js')];
}

/** The scenario's program and expectations for one seed (the same seed gives the same program). */
export function scenarioRun(scenario: Scenario | null, config: TestConfig): RunScenario | undefined {
  if (scenario === null) return undefined;
  const context = {
    nodes: config.nodes,
    joiners: config.joiners,
    timeLimitMs: config.timeLimitMs,
    random: new Random(config.seed).fork('rollout'),
  };
  return { program: scenario.program(context), expectations: scenario.expectations(context) };
}

function gitCommit(root: string): string {
  const result = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 2_000 });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 2_000,
  });
  if (result.status !== 0) return 'unknown (not a git checkout)';
  return `${result.stdout.trim()}${dirty.status === 0 && dirty.stdout.trim() !== '' ? '-dirty' : ''}`;
}

/** Versions recorded in test.json: the package, Node, the platform, the git commit of the checkout, the command line. */
export function versions(argv: readonly string[] = []): Record<string, string> {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  return {
    'ekv-jepsen': pkg.version ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    gitCommit: gitCommit(root),
    commandLine: ['ekv-jepsen', ...argv].join(' '),
  };
}

/** Worst exit code of several runs: crashed > invalid > unknown > valid. */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (code: number): number => (code === 255 ? 3 : code === 1 ? 2 : code === 2 ? 1 : 0);
  return codes.reduce((worst, code) => (rank(code) > rank(worst) ? code : worst), 0);
}

/** The one line printed per run. */
export function verdictLine(outcome: RunOutcome): string {
  const verdict = outcome.results.valid === true ? 'VALID' : outcome.results.valid === false ? 'INVALID' : 'UNKNOWN';
  const failing = Object.entries(outcome.results.checkers).filter(([, c]) => c.valid !== true);
  const reasons = failing
    .map(([name, c]) => `  ${name}: ${String(c.valid)}${typeof c.reason === 'string' ? ` — ${c.reason}` : ''}\n`)
    .join('');
  return `${verdict}${failing.length > 0 ? ` (${failing.map(([name, c]) => `${name}=${String(c.valid)}`).join(', ')})` : ''} — ${outcome.runDir}\n${reasons}`;
}

/** Runs `ekv-jepsen test` and returns its exit code. */
export async function runTestCommand(argv: readonly string[], io: CommandIo, registries: Registries): Promise<number> {
  const { workloads } = registries;
  const clockProbe = await createLocalBackend({ faketimeLibraryPath: libfaketimeDefaultPath }).clockUnavailableReason();
  let parsed;
  try {
    parsed = parseTestOptions(argv, {
      clockUnavailableReason: clockProbe,
      workloads: [...workloads.keys()],
      scenarios: registries.scenarios,
      ...(registries.defaultScenario === undefined ? {} : { defaultScenario: registries.defaultScenario }),
    });
  } catch (error) {
    if (isHarnessError(error, 'INVALID_OPTION')) {
      io.writeErr(`ekv-jepsen test: ${error.message}\n(run "ekv-jepsen test --help" for the options)\n`);
      return exitCrashed;
    }
    throw error;
  }
  if (parsed.help) {
    io.writeOut(testUsage());
    return 0;
  }
  for (const warning of parsed.warnings) io.writeErr(`ekv-jepsen test: warning: ${warning}\n`);
  const { config: base, scenario, nodeCommand } = parsed;
  try {
    await preflight({
      config: base,
      backend: selectBackend(base, nodeCommand).backend,
      nodeCommand: nodeCommand === null ? nodeProgram() : null,
    });
  } catch (error) {
    if (isHarnessError(error, 'INVALID_OPTION') || isHarnessError(error, 'BACKEND_UNAVAILABLE')) {
      io.writeErr(`ekv-jepsen test: ${error.message}\n`);
      return exitCrashed;
    }
    throw error;
  }
  const progress = createProgressDisplay();
  return withInterrupt(
    io,
    async (signal) => {
      const codes: number[] = [];
      for (let i = 0; i < base.testCount && !signal.aborted; i += 1) {
        const config: TestConfig = { ...base, seed: base.seed + i };
        const selected = selectBackend(config, nodeCommand);
        const run = scenarioRun(scenario, config);
        const deps = {
          ...selected,
          workloads,
          progress,
          signal,
          log: (line: string) => io.writeErr(`${line}\n`),
          versions: versions(['test', ...argv]),
          adminCommand: nodeCommand === null ? adminCommand() : null,
        };
        const outcome = await runTest(config, deps, run === undefined ? {} : { scenario: run });
        io.writeOut(verdictLine(outcome));
        codes.push(outcome.exitCode);
      }
      return worstExitCode(codes);
    },
    () => progress.stop(),
  );
}

/** A second signal within this window is the same Ctrl-C delivered twice (the terminal's, and npm forwarding it). */
const repeatedSignalWindowMs = 1_000;

/** Exit code of an interrupted run (whatever its checkers found: see results.json). */
export const exitInterrupted = 2;

/**
 * Runs `work` with SIGINT/SIGTERM turned into an abort signal, and removes
 * the handlers afterwards. The notice is printed after `beforeNotice` (the
 * progress line is cleared first, so nothing draws over it). A second Ctrl-C
 * at least a second later exits at once (255); one arriving sooner is the
 * same interrupt delivered twice — under `npx`, npm forwards the terminal's
 * SIGINT to the harness, which got it from the terminal already.
 */
export async function withInterrupt(
  io: CommandIo,
  work: (signal: AbortSignal) => Promise<number>,
  beforeNotice: () => void = () => undefined,
): Promise<number> {
  const controller = new AbortController();
  let firstAtMs = 0;
  const onSignal = (): void => {
    const now = performance.now();
    if (controller.signal.aborted) {
      if (now - firstAtMs < repeatedSignalWindowMs) return;
      io.writeErr('ekv-jepsen: interrupted again — exiting without cleanup\n');
      process.exit(exitCrashed);
    }
    firstAtMs = now;
    beforeNotice();
    io.writeErr(
      '\nekv-jepsen: interrupted — stopping the cluster, collecting artifacts and checking what was recorded (Ctrl-C again to force)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await work(controller.signal);
    if (!controller.signal.aborted) return code;
    io.writeErr(
      `ekv-jepsen: the run was interrupted: exit ${exitInterrupted} (what was recorded was checked; see results.json)\n`,
    );
    return exitInterrupted;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
