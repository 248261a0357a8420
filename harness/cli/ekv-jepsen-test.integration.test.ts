// End to end through the real binary (bin/ekv-jepsen.js → dist/, built by
// `npm test`'s pretest): short runs on the local backend against the
// reference node, a deliberately broken node, and a harness that is killed
// or interrupted mid-run. Every case also checks that no node process is
// left behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../cluster/local/index.js';

const root = packageRoot();
const bin = join(root, 'bin', 'ekv-jepsen.js');
const brokenNode = `${process.execPath} ${join(root, 'dist', 'harness', 'testing', 'unreplicated-node-main.js')}`;
let store: string;

beforeAll(() => {
  if (
    !existsSync(join(root, 'dist', 'harness', 'cli', 'ekv-jepsen.js')) ||
    !existsSync(join(root, 'dist', 'reference-node', 'server', 'cli', 'ekv-node.js'))
  ) {
    throw new Error('dist/ is not built: run `npm run build` (npm test does it in pretest)');
  }
  store = mkdtempSync(join(tmpdir(), 'ekv-e2e-store-'));
});
afterAll(() => rmSync(store, { recursive: true, force: true }));

interface Harness {
  readonly pid: number;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `processGroup`: the harness leads a process group of its own, as a shell's foreground job does in a terminal. */
function startHarness(args: string[], options: { readonly processGroup?: boolean } = {}): Harness {
  const child = spawn(process.execPath, [bin, ...args, '--store', store], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup === true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { pid: child.pid!, done };
}

function runDirOf(name: string): string {
  const dir = join(store, name);
  const runs = readdirSync(dir)
    .filter((entry) => entry !== 'latest')
    .sort();
  return join(dir, runs[runs.length - 1]!);
}

/** Pids of processes whose command line mentions `text` (node processes started for a run dir). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function eventually(check: () => boolean, waitMaxMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMaxMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

const results = (runDir: string) =>
  JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as {
    valid: unknown;
    checkers: Record<string, { valid: unknown }>;
  };

describe('ekv-jepsen test on the local backend', () => {
  it('a short run with partitions and kills against the reference node is valid and leaves a complete run directory', async () => {
    const { code, stdout, stderr } = await startHarness([
      'test',
      '--workload',
      'register',
      '--time-limit',
      '15',
      '--nemesis',
      'partition,kill',
      '--nemesis-interval',
      '3',
      '--seed',
      '7',
      '--name',
      'e2e-valid',
    ]).done;
    const runDir = runDirOf('e2e-valid');
    expect({ code, stdout }, stderr).toMatchObject({ code: 0, stdout: expect.stringMatching(/^VALID — /) as unknown });
    for (const file of [
      'test.json',
      'plan.jsonl',
      'history.jsonl',
      'history.edn',
      'results.json',
      'execution.json',
      'status.jsonl',
    ])
      expect(existsSync(join(runDir, file)), file).toBe(true);
    for (const node of ['n1', 'n2', 'n3']) {
      expect(existsSync(join(runDir, 'nodes', node, 'node.log'))).toBe(true);
      expect(readFileSync(join(runDir, 'nodes', node, 'inspect.jsonl'), 'utf8')).toMatch(/"kind":"summary"/);
    }
    expect(resolve(store, readlinkSync(join(store, 'latest')))).toBe(runDir);
    const verdict = results(runDir);
    expect(verdict.valid).toBe(true);
    expect(verdict.checkers['linearizability']!.valid).toBe(true);
    const nemesis = readFileSync(join(runDir, 'history.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"nemesis"'));
    expect(nemesis.some((l) => /"f":"(kill|start-partition)"/.test(l))).toBe(true);
    expect(processesMentioning(runDir)).toEqual([]);
  }, 60_000);

  it('the same kind of run against a node that does not replicate is caught as invalid', async () => {
    const { code, stdout } = await startHarness([
      'test',
      '--workload',
      'register',
      '--time-limit',
      '5',
      '--nemesis',
      'none',
      '--seed',
      '3',
      '--name',
      'e2e-broken',
      '--node-command',
      brokenNode,
    ]).done;
    expect(code).toBe(1);
    expect(stdout).toMatch(/^INVALID \(linearizability=false/);
    const runDir = runDirOf('e2e-broken');
    expect(results(runDir).checkers['linearizability']!.valid).toBe(false);
    expect(existsSync(join(runDir, 'linearizability.html'))).toBe(true);
    expect(processesMentioning(runDir)).toEqual([]);
  }, 60_000);

  it('kill -9 of the harness mid-run leaves a checkable history and no node behind', async () => {
    const harness = startHarness([
      'test',
      '--workload',
      'register',
      '--time-limit',
      '30',
      '--nemesis',
      'partition',
      '--seed',
      '11',
      '--name',
      'e2e-killed',
    ]);
    const historyReady = await eventually(() => {
      try {
        return readFileSync(join(runDirOf('e2e-killed'), 'history.jsonl'), 'utf8').split('\n').length > 200;
      } catch {
        return false;
      }
    }, 40_000);
    expect(historyReady).toBe(true);
    process.kill(harness.pid, 'SIGKILL');
    expect((await harness.done).signal).toBe('SIGKILL');
    const runDir = runDirOf('e2e-killed');
    // The watchdog notices the harness is gone within a poll or two.
    expect(await eventually(() => processesMentioning(runDir).length === 0, 10_000)).toBe(true);
    const check = await new Promise<{ code: number | null; out: string }>((res) => {
      const child = spawn(process.execPath, [bin, 'check', runDir], { cwd: root });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) => res({ code, out }));
    });
    // No final heal and no execution record: recovery, node exits and the run are unknown; linearizability must hold.
    expect(check.code).toBe(2);
    expect(check.out).toMatch(/^UNKNOWN \(recovery=unknown, node-exits=unknown, run=unknown\)/);
    const checks = join(runDir, 'checks');
    const [recheck] = readdirSync(checks);
    expect(results(join(checks, recheck!)).checkers['linearizability']!.valid).toBe(true);
  }, 60_000);

  it('Ctrl-C stops the cluster, checks what was recorded and exits unknown', async () => {
    const harness = startHarness([
      'test',
      '--workload',
      'register',
      '--time-limit',
      '30',
      '--nemesis',
      'pause',
      '--seed',
      '5',
      '--name',
      'e2e-interrupted',
    ]);
    expect(
      await eventually(
        () =>
          existsSync(join(store, 'e2e-interrupted')) && existsSync(join(runDirOf('e2e-interrupted'), 'history.jsonl')),
        30_000,
      ),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 3_000));
    process.kill(harness.pid, 'SIGINT');
    const { code, stderr } = await harness.done;
    expect(stderr).toMatch(/interrupted/);
    expect(code).toBe(2);
    const runDir = runDirOf('e2e-interrupted');
    expect(results(runDir).checkers['run']!.valid).toBe('unknown');
    expect(processesMentioning(runDir)).toEqual([]);
  }, 60_000);

  // Ctrl-C in a terminal signals the whole foreground process group: the harness and (unless shielded)
  // its nodes. Each moment: while the cluster starts, in the main phase, and in the final phase.
  it.each([
    ['while the cluster starts', (dir: string | null) => dir !== null],
    ['in the main phase', (dir: string | null) => dir !== null && historyLines(dir).length > 100],
    [
      'in the final phase',
      (dir: string | null) => dir !== null && historyLines(dir).some((l) => l.includes('"f":"heal-all"')),
    ],
  ])(
    'Ctrl-C to the process group %s ends in stop, collect, check: exit 2, no node crash, nothing left behind',
    async (moment, ready) => {
      const name = `e2e-sigint-${moment.split(' ').slice(-2).join('-')}`;
      const harness = startHarness(
        [
          'test',
          '--workload',
          'register',
          '--time-limit',
          '8',
          '--nemesis',
          'partition,pause',
          '--seed',
          '5',
          '--name',
          name,
        ],
        { processGroup: true },
      );
      const dirOrNull = (): string | null =>
        existsSync(join(store, name)) && readdirSync(join(store, name)).some((e) => e !== 'latest')
          ? runDirOf(name)
          : null;
      expect(await eventually(() => ready(dirOrNull()), 45_000)).toBe(true);
      process.kill(-harness.pid, 'SIGINT');
      const { code, stderr } = await harness.done;
      expect(stderr).toMatch(/interrupted — stopping the cluster/);
      expect(stderr).toMatch(/the run was interrupted: exit 2/);
      expect(code, stderr).toBe(2);
      const runDir = runDirOf(name);
      const verdict = results(runDir);
      expect(verdict.checkers['run']!.valid).toBe('unknown');
      // The nodes were shielded from the terminal's SIGINT and stopped by the harness: no exit it did not cause.
      expect(verdict.checkers['node-exits']!.valid).toBe(true);
      for (const node of ['n1', 'n2', 'n3'])
        expect(readFileSync(join(runDir, 'nodes', node, 'node.log'), 'utf8')).not.toMatch(
          /Unhandled|uncaught|ShuttingDown.*at /i,
        );
      expect(processesMentioning(runDir)).toEqual([]);
    },
    90_000,
  );
});

function historyLines(runDir: string): string[] {
  try {
    return readFileSync(join(runDir, 'history.jsonl'), 'utf8').split('\n');
  } catch {
    return [];
  }
}
