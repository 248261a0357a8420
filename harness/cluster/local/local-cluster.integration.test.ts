import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHarnessError } from '../../errors/index.js';
import type { ClusterSpec } from '../cluster-backend.js';
import { LocalCluster } from './local-cluster.js';

import { fakeNodeScript } from './testdata/fake-node-script.js';

const fakeNode = [process.execPath, '-e', fakeNodeScript, '--'];
const clusters: LocalCluster[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const cluster of clusters.splice(0)) await cluster.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spec(nodeFlags: Record<string, string[]> = {}): ClusterSpec {
  const runDir = mkdtempSync(join(tmpdir(), 'ekv-local-'));
  dirs.push(runDir);
  return {
    nodes: ['n1', 'n2', 'n3'].map((id) => ({ id, flags: nodeFlags[id] ?? [], initialVoter: true })),
    runDir,
    commonFlags: ['--tick-ms', '20'],
    startTimeoutMs: 10_000,
  };
}

async function start(s: ClusterSpec, faketime: string | null = null): Promise<LocalCluster> {
  const cluster = await LocalCluster.start(s, { nodeCommand: fakeNode, faketimeLibraryPath: faketime });
  clusters.push(cluster);
  return cluster;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function processState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0]!;
}

/** The route port node `from` was told to dial for `to`, read back from the fake node's log. */
function routePort(s: ClusterSpec, from: string, to: string): number {
  const log = readFileSync(join(s.runDir, 'nodes', from, 'node.log'), 'utf8');
  const routes = /--peer-route (\S+)/.exec(log)![1]!;
  const route = routes.split(',').find((r) => r.startsWith(`${to}=`))!;
  return Number(route.split(':')[1]);
}

function echoes(port: number, waitMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('ping'));
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', () => done(true));
    socket.on('error', () => done(false));
    function done(result: boolean) {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
  });
}

const pids = (s: ClusterSpec) =>
  readFileSync(join(s.runDir, 'nodes', 'pids'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(Number);

describe('LocalCluster (with a fake node)', () => {
  it('starts every node with its flags, peers and a proxy route per peer', async () => {
    const base = spec({ n2: ['--stage', '6B', '--label', 'own-{id}'] });
    const s = { ...base, commonFlags: [...base.commonFlags, '--sidecar-path', '/x/{id}.sidecar'] };
    const cluster = await start(s);
    expect(cluster.nodes().map((n) => n.running)).toEqual([true, true, true]);
    const log = readFileSync(join(s.runDir, 'nodes', 'n2', 'node.log'), 'utf8');
    expect(log).toMatch(
      /--id n2 --listen 127\.0\.0\.1:\d+ --peers n1=127\.0\.0\.1:\d+,n2=.*,n3=.* --data-dir .*n2\/data --peer-route n1=127\.0\.0\.1:\d+,n3=127\.0\.0\.1:\d+ --tick-ms 20 --sidecar-path \/x\/n2\.sidecar --stage 6B --label own-n2/,
    );
    // {id} becomes each node's own id.
    expect(readFileSync(join(s.runDir, 'nodes', 'n1', 'node.log'), 'utf8')).toContain('--sidecar-path /x/n1.sidecar');
    expect(await echoes(routePort(s, 'n1', 'n2'))).toBe(true);
  });

  it('partitions cut exactly the grudged directions; heal restores', async () => {
    const s = spec();
    const cluster = await start(s);
    // n1 stops receiving from n2 (one-way): only the n2→n1 link is cut.
    await cluster.partition(new Map([['n1', new Set(['n2'])]]));
    expect(await echoes(routePort(s, 'n2', 'n1'))).toBe(false);
    expect(await echoes(routePort(s, 'n1', 'n2'))).toBe(true);
    expect(await echoes(routePort(s, 'n3', 'n1'))).toBe(true);
    await cluster.heal();
    expect(await echoes(routePort(s, 'n2', 'n1'))).toBe(true);
  });

  it('kill is SIGKILL + restart on the same port; pause stops the process; flags can change on restart', async () => {
    const s = spec();
    const cluster = await start(s);
    const [before] = pids(s);
    await cluster.kill('n1');
    expect(cluster.node('n1').running).toBe(false);
    expect(alive(before!)).toBe(false);
    await cluster.start('n1', ['--stage', '6C']);
    expect(cluster.node('n1').running).toBe(true);
    expect(readFileSync(join(s.runDir, 'nodes', 'n1', 'node.log'), 'utf8')).toMatch(/starting n1: .*--stage 6C/);
    await cluster.pause('n2');
    // The kernel delivers SIGSTOP asynchronously: poll briefly for the stopped state.
    let n2pid: number | undefined;
    for (let i = 0; i < 50 && n2pid === undefined; i += 1) {
      n2pid = pids(s).find((pid) => processState(pid) === 'T');
      if (n2pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(n2pid).toBeDefined();
    expect(cluster.node('n2').paused).toBe(true);
    await cluster.resume('n2');
    expect(processState(n2pid!)).not.toBe('T');
    expect(cluster.unexpectedExits()).toEqual([]);
  });

  it('records unexpected exits, and stop leaves no process or port behind', async () => {
    const s = spec({ n3: ['--crash-after-ms', '300'] });
    const cluster = await start(s);
    const all = pids(s);
    const port = Number(cluster.node('n1').clientAddress.split(':')[1]);
    await cluster.pause('n1');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(cluster.unexpectedExits()).toEqual([{ node: 'n3', code: 7, signal: null }]);
    await cluster.stop();
    await cluster.stop();
    for (const pid of all) expect(alive(pid)).toBe(false);
    expect(await echoes(port)).toBe(false);
  });

  it('an exit the harness was told to expect (a node armed to kill itself) is not recorded as unexpected', async () => {
    const cluster = await start(spec({ n2: ['--crash-after-ms', '300'], n3: ['--crash-after-ms', '300'] }));
    cluster.expectExit('n2');
    while (cluster.node('n2').running || cluster.node('n3').running)
      await new Promise((resolve) => setTimeout(resolve, 20));
    // The exit handler runs in the same turn as the exit: one more turn and both are recorded, or not.
    await new Promise((resolve) => setImmediate(resolve));
    expect(cluster.unexpectedExits()).toEqual([{ node: 'n3', code: 7, signal: null }]);
    await cluster.stop();
  });

  it('clock offsets need libfaketime; with it they are written per node', async () => {
    const without = await start(spec());
    await expect(without.setClockOffset('n1', 5_000)).rejects.toSatisfy((e) => isHarnessError(e, 'CLOCK_UNAVAILABLE'));
    const s = spec();
    const withClock = await start(s, '/nonexistent/libfaketime.so.1');
    await withClock.setClockOffset('n2', -3_000);
    expect(readFileSync(join(s.runDir, 'nodes', 'n2', 'faketime'), 'utf8')).toBe('-3s\n');
    await withClock.resetClocks();
    expect(readFileSync(join(s.runDir, 'nodes', 'n2', 'faketime'), 'utf8')).toBe('+0s\n');
  });

  it('a node that never gets ready fails the start with its log tail, and nothing is left running', async () => {
    const s = { ...spec(), startTimeoutMs: 10_000 };
    const cluster = LocalCluster.start(s, {
      nodeCommand: [process.execPath, '-e', 'console.error("boom: bad flag"); process.exit(2)', '--'],
      faketimeLibraryPath: null,
    });
    await expect(cluster).rejects.toThrow(/node n\d failed to start: exited with code 2[\s\S]*boom: bad flag/);
    expect(existsSync(join(s.runDir, 'nodes', 'pids'))).toBe(true);
    expect(pids(s)).toEqual([]);
  });

  it('a node program that cannot be spawned fails the start instead of hanging', async () => {
    const s = spec();
    await expect(
      LocalCluster.start(s, { nodeCommand: ['/nonexistent/ekv-node'], faketimeLibraryPath: null }),
    ).rejects.toThrow(/failed to start: .*ENOENT/);
  });

  it('refuses unknown node ids', async () => {
    const cluster = await start(spec());
    await expect(cluster.kill('n9')).rejects.toThrow(/unknown node "n9"/);
  });
});
