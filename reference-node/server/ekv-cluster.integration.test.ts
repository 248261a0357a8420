/**
 * `ekv-cluster` as a person runs it: the nodes come up, Ctrl-C (SIGINT)
 * stops them with exit 0, and `{id}` in the node flags becomes each node's
 * id — which is how an encrypted cluster gets one sidecar per node.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminBin, freePort, repoRoot, requireBuild, waitFor } from './test/process-cluster.js';

const clusterBin = join(repoRoot, 'bin', 'ekv-cluster.js');

function admin(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [adminBin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ekv-cluster', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('starts an encrypted 2-node cluster with one sidecar per node ({id}) and stops on SIGINT with exit 0', async () => {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'ekv-cluster-'));
    dirs.push(dir);
    const kek = join(dir, 'kek');
    writeFileSync(kek, randomBytes(32), { mode: 0o600 });
    // Two adjacent free ports: probe until base and base+1 are both free.
    let base = 0;
    for (let attempt = 0; attempt < 20 && base === 0; attempt++) {
      const candidate = await freePort();
      if (candidate < 65535 && (await portFree(candidate + 1))) base = candidate;
    }
    expect(base).toBeGreaterThan(0);
    const child = spawn(
      process.execPath,
      [
        clusterBin,
        '--nodes',
        '2',
        '--base-port',
        String(base),
        '--data-dir',
        join(dir, 'data'),
        '--',
        '--tick-ms',
        '20',
        '--encryption-enabled',
        '--kek-file',
        kek,
        '--sidecar-path',
        join(dir, '{id}.sidecar'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('two READY lines', 20_000, async () =>
        (stdout.match(/^READY /gm) ?? []).length === 2 ? true : undefined,
      );
      const addrs = [`127.0.0.1:${base}`, `127.0.0.1:${base + 1}`];
      const leader = await waitFor('a leader', 10_000, async () => {
        const status = admin(['--addr', addrs[0]!, 'status', '--json']);
        const address = status.code === 0 ? (JSON.parse(status.stdout) as { leaderAddress: string }).leaderAddress : '';
        return address === '' ? undefined : address;
      });
      const bootstrap = admin([
        '--addr',
        leader,
        'encryption',
        'bootstrap',
        '--kek-file',
        kek,
        '--discover-from',
        addrs.join(','),
      ]);
      expect(bootstrap.stdout + bootstrap.stderr).toMatch(/^OK applied_index=\d+ .* writers=2\n$/);
      await waitFor('both sidecars', 10_000, async () =>
        existsSync(join(dir, 'n1.sidecar')) && existsSync(join(dir, 'n2.sidecar')) ? true : undefined,
      );
      expect(existsSync(join(dir, '{id}.sidecar'))).toBe(false);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
