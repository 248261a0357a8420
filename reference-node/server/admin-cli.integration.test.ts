/**
 * The CLIs as processes: `ekv-admin status --json` prints one JSON object
 * with the documented fields; KV commands and their failures print the
 * documented lines and exit codes; `ekv-node` refuses bad flags with exit 2.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { adminBin, freePort, nodeBin, ProcessCluster, requireBuild } from './test/process-cluster.js';

function run(bin: string, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ekv-admin and ekv-node command lines', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('status --json has the documented shape; kv commands print results and errors', async () => {
    cluster = await ProcessCluster.create(['n1'], 1, ['--stage', '6d', '--bug', 'B7']);
    await cluster.startAll();
    await cluster.waitForLeader();
    const addr = cluster.address('n1');

    const status = run(adminBin, ['--addr', addr, 'status', '--json']);
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      id: 'n1',
      role: 'leader',
      leader: 'n1',
      halted: false,
      haltReason: '',
      haltIndex: 0,
      stage: '6D',
      bugs: ['B7'],
    });
    for (const field of ['term', 'commitIndex', 'appliedIndex', 'lastIndex', 'snapshotIndex', 'uptimeMs'])
      expect(typeof parsed[field]).toBe('number');
    expect(parsed['fullNodeId']).toMatch(/^\d+$/);
    expect((parsed['flags'] as Record<string, string>)['stage']).toBe('6D');

    expect(run(adminBin, ['--addr', addr, 'put', 'k', 'v1']).stdout).toMatch(/^OK applied_index=\d+\n$/);
    expect(run(adminBin, ['--addr', addr, 'get', 'k']).stdout).toBe('v1\n');
    expect(run(adminBin, ['--addr', addr, 'cas', 'k', 'v1', 'v2']).code).toBe(0);
    const mismatch = run(adminBin, ['--addr', addr, 'cas', 'k', 'v1', 'v3']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toMatch(/cas failed: compare mismatch \(current value is "v2"\)/);
    expect(run(adminBin, ['--addr', addr, 'cas', 'new', '--absent', 'x']).code).toBe(0);
    expect(run(adminBin, ['--addr', addr, 'delete', 'k']).stdout).toMatch(/^OK existed=true/);
    expect(run(adminBin, ['--addr', addr, 'get', 'k']).stdout).toBe('(not found)\n');

    const unknown = run(adminBin, ['--addr', addr, 'promote', 'n9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^error: UnknownMember \(15, definite\): [^\n]+\n$/);
    // Connection errors, of KV and of EncryptionAdmin calls: one line on stderr, no empty trailing "Resolution note:".
    const nowhere = `127.0.0.1:${await freePort()}`;
    for (const args of [
      ['get', 'k'],
      ['encryption', 'status'],
    ]) {
      const unreachable = run(adminBin, ['--addr', nowhere, ...args]);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stdout).toBe('');
      expect(unreachable.stderr).toMatch(
        /^error: ConnectionRefused \(101, definite\): No connection established[^\n]*ECONNREFUSED[^\n]*\n$/,
      );
      expect(unreachable.stderr).not.toContain('Resolution note');
    }
    const noKek = run(adminBin, [
      '--addr',
      addr,
      'encryption',
      'rotate-dek',
      '--purpose',
      'storage',
      '--kek-file',
      '/nonexistent/kek',
      '--proposer-node-id',
      '1',
      '--proposer-local-epoch',
      '0',
    ]);
    expect(noKek.code).toBe(1);
    expect(noKek.stderr).toMatch(/^error: ErrKEKFileRead: cannot open KEK file \/nonexistent\/kek\n$/);
    expect(run(adminBin, ['--addr', addr]).code).toBe(2);
    expect(run(adminBin, ['--addr', 'nope', 'status']).code).toBe(2);
  }, 60_000);

  it('ekv-node refuses bad flags with exit 2 and one line on stderr', () => {
    requireBuild();
    const result = run(nodeBin, [
      '--id',
      'n1',
      '--listen',
      '127.0.0.1:7001',
      '--peers',
      'n2=127.0.0.1:7002',
      '--data-dir',
      '/tmp/unused-ekv',
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("ekv-node: --peers: must include this node 'n1'\n");
    expect(
      run(nodeBin, [
        '--id',
        'n1',
        '--listen',
        '127.0.0.1:7001',
        '--join',
        '--data-dir',
        '/tmp/unused-ekv',
        '--bug',
        'B99',
      ]).stderr,
    ).toMatch(/--bug: unknown catalogued bug 'B99'/);
  });
});
