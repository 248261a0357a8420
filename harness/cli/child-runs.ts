/**
 * The child runs the matrix commands (`bugs`, `validate-stage`) are made of:
 * one `ekv-jepsen test` process per run, its output in `logs/<name>.log`, its
 * run directory in `runs/<name>/<timestamp>/`, one after another (or `jobs`
 * at once). SIGINT/SIGTERM stop the running children (each stops its cluster
 * and checks what it recorded) and start no new one. The spawner is a
 * parameter, so the commands' tables and exit codes are testable without
 * clusters.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../cluster/local/index.js';
import type { CommandIo } from './command-io.js';

/** One `ekv-jepsen` invocation. */
export interface ChildRunSpec {
  /** The run's `--name` (its directory under `<dir>/runs/`) and log file name. */
  readonly name: string;
  /** The arguments without --store and --name. */
  readonly args: readonly string[];
}

/** How a child run ended. */
export interface ChildRunResult {
  readonly exitCode: number | null;
  /** Its run directory (null: it left none, e.g. a usage error). */
  readonly runDir: string | null;
  readonly wallSeconds: number;
}

/** Runs one child in `dir` (runs go to `<dir>/runs`, logs to `<dir>/logs`, which exists); stops it when `signal` aborts. */
export type ChildRunSpawner = (spec: ChildRunSpec, dir: string, signal: AbortSignal) => Promise<ChildRunResult>;

/** The real spawner: an `ekv-jepsen test` process of this package. */
export const spawnTestRun: ChildRunSpawner = async (spec, dir, signal) => {
  const started = performance.now();
  const runsStore = join(dir, 'runs');
  const log = createWriteStream(join(dir, 'logs', `${spec.name}.log`));
  const bin = join(packageRoot(), 'bin', 'ekv-jepsen.js');
  const child = spawn(process.execPath, [bin, ...spec.args, '--store', runsStore, '--name', spec.name], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const stop = (): void => {
    child.kill('SIGINT');
  };
  signal.addEventListener('abort', stop, { once: true });
  const exitCode = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  signal.removeEventListener('abort', stop);
  await new Promise<void>((done) => log.end(done));
  return {
    exitCode,
    runDir: latestRun(join(runsStore, spec.name)),
    wallSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
};

/** The newest run directory of a test (null: none). */
function latestRun(testDir: string): string | null {
  if (!existsSync(testDir)) return null;
  const runs = readdirSync(testDir)
    .filter((entry) => entry !== 'latest')
    .sort();
  return runs.length === 0 ? null : join(testDir, runs[runs.length - 1] as string);
}

export interface RunChildrenOptions<S extends ChildRunSpec, R> {
  readonly dir: string;
  readonly jobs: number;
  readonly spawner: ChildRunSpawner;
  readonly io: CommandIo;
  /** The command's name in progress lines (`ekv-jepsen bugs`). */
  readonly label: string;
  /** What the command keeps of a finished run. */
  readonly finish: (spec: S, result: ChildRunResult) => R;
  /** The progress line's verdict part for a finished run. */
  readonly describe: (run: R) => string;
}

/** Runs `specs` (in order, `jobs` at once); returns the finished runs in spec order, and whether a signal interrupted them. */
export async function runChildren<S extends ChildRunSpec, R>(
  specs: readonly S[],
  options: RunChildrenOptions<S, R>,
): Promise<{ runs: R[]; interrupted: boolean }> {
  const { io, label } = options;
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) return;
    io.writeErr(`${label}: interrupted: the running tests stop and are checked, no new one starts\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const finished: { index: number; run: R }[] = [];
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < specs.length && !abort.signal.aborted) {
        const index = next++;
        const spec = specs[index] as S;
        const result = await options.spawner(spec, options.dir, abort.signal);
        const run = options.finish(spec, result);
        finished.push({ index, run });
        io.writeErr(
          `${label}: [${finished.length}/${specs.length}] ${spec.name}: ${options.describe(run)} in ${result.wallSeconds.toFixed(0)} s\n`,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.jobs, specs.length) }, () => worker()));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  finished.sort((a, b) => a.index - b.index);
  return { runs: finished.map((f) => f.run), interrupted: abort.signal.aborted };
}

/** A whole-number option in [min, max]; throws naming the option. */
export function wholeNumber(option: string, value: unknown, min: number, max: number): number {
  const text = String(value);
  if (!/^\d+$/.test(text)) throw new Error(`${option}: expected a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new Error(`${option}: ${n} out of range ${min}..${max}`);
  return n;
}
