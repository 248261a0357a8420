/**
 * `ekv-node` as a process, at the edges of its life: a taken listen address
 * fails before the data dir is touched; `--check-flags` validates without
 * touching the data dir or the network; SIGINT/SIGTERM stop it with exit 0
 * in every phase (startup, serving under load — all nodes at once, as a
 * terminal's Ctrl-C does —, shutdown); and a leader paused for longer than
 * the proposal timeout with requests in flight survives its wake-up (it used
 * to exit 1 on an unhandled ReadIndexTimeout).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeBin, ProcessCluster, requireBuild, waitFor } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a node's log must never show: a crash on a rejection nobody handled. */
const crashSigns = /unhandled|UnhandledPromiseRejection|NodeError\(\w+\)\n\s+at /i;

function runNode(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [nodeBin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Holds a port on 127.0.0.1 (another program's socket). */
async function occupiedPort(): Promise<{ readonly port: number; readonly server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, server };
}

describe('ekv-node before it serves', () => {
  let dir: string;
  let holder: Server | undefined;
  beforeEach(() => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'ekv-node-process-'));
  });
  afterEach(() => {
    holder?.close();
    holder = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a taken listen address: one line naming it, exit 1, the data dir neither created nor written', async () => {
    const { port, server } = await occupiedPort();
    holder = server;
    const listen = `127.0.0.1:${port}`;
    const fresh = join(dir, 'fresh');
    const existing = join(dir, 'existing');
    mkdirSync(existing);
    for (const dataDir of [fresh, existing]) {
      const result = runNode(['--id', 'n1', '--listen', listen, '--peers', `n1=${listen}`, '--data-dir', dataDir]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`ekv-node: cannot listen on ${listen}: the address is already in use\n`);
    }
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(existing)).toEqual([]);
  });

  it('--check-flags: valid flags exit 0 silently without binding or creating anything; invalid ones print the refusal of a start, exit 2', async () => {
    const { port, server } = await occupiedPort();
    holder = server;
    const listen = `127.0.0.1:${port}`;
    const dataDir = join(dir, 'data');
    const flags = ['--id', 'n1', '--listen', listen, '--peers', `n1=${listen}`, '--data-dir', dataDir];
    // The port is taken: a start would fail, a check does not touch the network.
    expect(runNode([...flags, '--check-flags'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(dataDir)).toBe(false);
    for (const bad of [
      ['--bug', 'B999'],
      ['--stage', '6B', '--rotate-on-startup'],
      ['--kek-file', join(dir, 'no-kek')],
      ['--tick-ms', 'fast'],
    ]) {
      const checked = runNode([...flags, ...bad, '--check-flags']);
      const started = runNode([...flags, ...bad]);
      expect(checked.code).toBe(2);
      expect(checked.stdout).toBe('');
      expect(checked.stderr).toMatch(/^ekv-node: --[a-z-]+: [^\n]+\n$/);
      expect(checked).toEqual(started);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('SIGTERM during startup (before READY) stops it with exit 0', async () => {
    const listen = `127.0.0.1:${await occupiedPort().then(({ port, server }) => {
      server.close();
      return port;
    })}`;
    const child = spawn(
      process.execPath,
      [nodeBin, '--id', 'n1', '--listen', listen, '--peers', `n1=${listen}`, '--data-dir', join(dir, 'data')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Startup logs this line while it recovers its state, before it serves.
    child.stderr.on('data', (chunk: Buffer) => {
      const before = stderr;
      stderr += chunk.toString();
      if (!before.includes('bootstrapped a new cluster') && stderr.includes('bootstrapped a new cluster'))
        child.kill('SIGTERM');
    });
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/signal received; stopping/);
    expect(stderr).not.toMatch(crashSigns);
    // The stop may land just before or just after READY; either way there is at most one READY line.
    expect(stdout.split('\n').filter((line) => line.startsWith('READY')).length).toBeLessThanOrEqual(1);
  });
});

describe('ekv-node stopping and pausing under load', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  /**
   * Puts and linearizable gets through every node, `workersPerNode` at a time, until stopped; failures are
   * expected (nodes go away). Enough of them that the leader's loop is busy when reads arrive, so some ReadIndex
   * requests wait in its inbox when it is paused (8 per node reproduced the old crash 3 times in 3 runs).
   */
  function load(target: ProcessCluster, workersPerNode = 8): { readonly done: () => number; stop(): Promise<number> } {
    let running = true;
    let done = 0;
    const worker = async (id: string, n: number): Promise<void> => {
      const kv = target.kv(id);
      for (let i = 0; running; i++) {
        const key = utf8(`k${n}-${i % 20}`);
        await (
          i % 2 === 0
            ? kv.put({ key, value: utf8(String(i)) }, { timeoutMs: 2_000 })
            : kv.get({ key }, { timeoutMs: 2_000 })
        ).then(
          () => {
            done++;
          },
          () => sleep(20),
        );
      }
    };
    const workers = target
      .ids()
      .flatMap((id, n) => Array.from({ length: workersPerNode }, (_, w) => worker(id, workersPerNode * n + w)));
    return {
      done: () => done,
      async stop() {
        running = false;
        await Promise.all(workers);
        return done;
      },
    };
  }

  it('SIGINT to every node at once while it serves requests, and again during the shutdown: each exits 0', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20']);
    await cluster.startAll();
    await cluster.waitForLeader();
    const traffic = load(cluster);
    await waitFor('requests to succeed', 20_000, async () => (traffic.done() >= 50 ? true : undefined));
    const ids = cluster.ids();
    const exits = ids.map((id) => cluster!.exited(id));
    // Ctrl-C in a terminal reaches the whole process group; an impatient user presses it twice.
    for (const id of ids) cluster.signal(id, 'SIGINT');
    await sleep(5);
    for (const id of ids) if (cluster.running(id)) cluster.signal(id, 'SIGINT');
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
    await traffic.stop();
    for (const id of ids) expect(cluster.logOf(id), id).not.toMatch(crashSigns);
  }, 60_000);

  it('a leader paused longer than the proposal timeout with requests in flight resumes, serves and stops with exit 0', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20', '--proposal-timeout-ms', '300']);
    await cluster.startAll();
    const traffic = load(cluster);
    for (let round = 0; round < 3; round++) {
      const leader = await cluster.waitForLeader();
      const before = traffic.done();
      await waitFor(`requests to succeed before pause ${round}`, 20_000, async () =>
        traffic.done() >= before + 20 ? true : undefined,
      );
      cluster.signal(leader, 'SIGSTOP');
      await sleep(1_500);
      cluster.signal(leader, 'SIGCONT');
      await sleep(1_000);
      expect(
        cluster.running(leader),
        `${leader} after its pause in round ${round}:\n${cluster.logOf(leader).slice(-1500)}`,
      ).toBe(true);
    }
    await traffic.stop();
    for (const id of cluster.ids()) {
      expect(cluster.logOf(id), id).not.toMatch(crashSigns);
      expect(await cluster.kill(id, 'SIGTERM'), `${id} exit code`).toBe(0);
    }
  }, 90_000);
});
