/**
 * Test helper: runs `ekv-jepsen` (bin/ekv-jepsen.js → dist/) as a process
 * against a store of the test's own, and reads back what a run left: the
 * verdict line, results.json, the run directory. Shared by the scenario and
 * detection integration tests.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../harness/cluster/local/index.js';

const root = packageRoot();
const bin = join(root, 'bin', 'ekv-jepsen.js');

/** What a finished `ekv-jepsen` process left. */
export interface HarnessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The run directory (null when none was created). */
  readonly runDir: string | null;
  readonly results: {
    readonly valid: unknown;
    readonly checkers: Record<
      string,
      {
        readonly valid: unknown;
        readonly reason?: string;
        readonly findings?: readonly { readonly invariant: string; readonly message: string }[];
      }
    >;
  } | null;
}

/** Throws when dist/ is missing (npm test builds it in pretest). */
export function requireBuilt(): void {
  if (
    !existsSync(join(root, 'dist', 'harness', 'cli', 'ekv-jepsen.js')) ||
    !existsSync(join(root, 'dist', 'reference-node', 'server', 'cli', 'ekv-node.js'))
  ) {
    throw new Error('dist/ is not built: run `npm run build` (npm test does it in pretest)');
  }
}

/** Runs `ekv-jepsen <args> --store <store> --name <name>` to its end. */
export async function runHarness(store: string, name: string, args: readonly string[]): Promise<HarnessRun> {
  const child = spawn(process.execPath, [bin, ...args, '--store', store, '--name', name], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  const dir = join(store, name);
  const runs = existsSync(dir)
    ? readdirSync(dir)
        .filter((entry) => entry !== 'latest')
        .sort()
    : [];
  const runDir = runs.length === 0 ? null : join(dir, runs[runs.length - 1] as string);
  const resultsPath = runDir === null ? null : join(runDir, 'results.json');
  const results =
    resultsPath !== null && existsSync(resultsPath)
      ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as HarnessRun['results'])
      : null;
  return { code, stdout, stderr, runDir, results };
}

/** A short description of a run for assertion messages: the verdict lines and the harness's log tail. */
export function describeRun(run: HarnessRun): string {
  return `exit ${String(run.code)}\n${run.stdout}\n--- stderr (tail) ---\n${run.stderr.split('\n').slice(-15).join('\n')}`;
}
