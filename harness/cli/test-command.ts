/**
 * `ekv-jepsen test`: parse options, pick the backend, run the test (or
 * `--test-count` of them), print each verdict, exit 0 valid / 1 invalid /
 * 2 unknown / 255 crashed. Ctrl-C (SIGINT) or SIGTERM aborts the run, which
 * still stops the cluster, collects artifacts and checks what it recorded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGrpcNodeAccess } from '../client/index.js';
import type { NodeAccess } from '../client/index.js';
import { createDockerBackend } from '../cluster/docker/index.js';
import { createFakeBackend } from '../cluster/fake/index.js';
import type { ClusterBackend } from '../cluster/cluster-backend.js';
import { createLocalBackend, libfaketimeDefaultPath, packageRoot } from '../cluster/local/index.js';
import { isHarnessError } from '../errors/index.js';
import { faultCapability } from '../nemesis/index.js';
import type { NemesisCluster } from '../nemesis/index.js';
import { createProgressDisplay } from '../progress/index.js';
import { runTest } from '../runner/index.js';
import type { RunOutcome, TestConfig } from '../runner/index.js';
import type { WorkloadRegistry } from '../workload/index.js';
import { parseTestOptions, testUsage } from './test-options.js';
import type { CommandIo } from './command-io.js';

const exitCrashed = 255;

/** The backend of a config and how to reach its nodes. */
export function selectBackend(config: TestConfig, nodeCommand: readonly string[] | null): { backend: ClusterBackend; nodeAccess: (cluster: NemesisCluster) => NodeAccess } {
  switch (config.backend) {
    case 'local': {
      const enableClock = config.faults.some((f) => faultCapability(f) === 'clock');
      const backend = createLocalBackend({ enableClock, ...(nodeCommand === null ? {} : { nodeCommand }) });
      return { backend, nodeAccess: () => createGrpcNodeAccess() };
    }
    case 'docker':
      return { backend: createDockerBackend(), nodeAccess: () => createGrpcNodeAccess() };
    case 'fake': {
      const backend = createFakeBackend({ seed: config.seed, staleReadProbability: 0 });
      return { backend, nodeAccess: (cluster) => backend.nodeAccess(cluster) };
    }
  }
}

/** Versions recorded in test.json. */
export function versions(): Record<string, string> {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  return { 'ekv-jepsen': pkg.version ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Worst exit code of several runs: crashed > invalid > unknown > valid. */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (code: number): number => (code === 255 ? 3 : code === 1 ? 2 : code === 2 ? 1 : 0);
  return codes.reduce((worst, code) => (rank(code) > rank(worst) ? code : worst), 0);
}

/** The one line printed per run. */
export function verdictLine(outcome: RunOutcome): string {
  const verdict = outcome.results.valid === true ? 'VALID' : outcome.results.valid === false ? 'INVALID' : 'UNKNOWN';
  const failing = Object.entries(outcome.results.checkers).filter(([, c]) => c.valid !== true).map(([name, c]) => `${name}=${String(c.valid)}`);
  return `${verdict}${failing.length > 0 ? ` (${failing.join(', ')})` : ''} — ${outcome.runDir}\n`;
}

/** Runs `ekv-jepsen test` and returns its exit code. */
export async function runTestCommand(argv: readonly string[], io: CommandIo, workloads: WorkloadRegistry): Promise<number> {
  const clockProbe = await createLocalBackend({ faketimeLibraryPath: libfaketimeDefaultPath }).clockUnavailableReason();
  let parsed;
  try {
    parsed = parseTestOptions(argv, { clockUnavailableReason: clockProbe, workloads: [...workloads.keys()] });
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
  return withInterrupt(io, async (signal) => {
    const codes: number[] = [];
    for (let i = 0; i < parsed.config.testCount && !signal.aborted; i += 1) {
      const config: TestConfig = { ...parsed.config, seed: parsed.config.seed + i };
      const { backend, nodeAccess } = selectBackend(config, parsed.nodeCommand);
      const outcome = await runTest(config, { backend, nodeAccess, workloads, progress: createProgressDisplay(), signal, log: (line) => io.writeErr(`${line}\n`), versions: versions() });
      io.writeOut(verdictLine(outcome));
      codes.push(outcome.exitCode);
    }
    return worstExitCode(codes);
  });
}

/**
 * Runs `work` with SIGINT/SIGTERM turned into an abort signal (a second
 * Ctrl-C exits at once), and removes the handlers afterwards.
 */
export async function withInterrupt(io: CommandIo, work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => {
    io.writeErr('\nekv-jepsen: interrupted — stopping the cluster, collecting artifacts and checking what was recorded (Ctrl-C again to force)\n');
    if (controller.signal.aborted) process.exit(exitCrashed);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
