/**
 * `ekv-admin encryption …` as a process against a one-node encrypted
 * cluster: capability, the not-bootstrapped refusal, bootstrap with DEKs
 * generated from the KEK file and writers discovered by GetCapability, both
 * Enable RPCs (and their idempotent retry), a storage DEK rotation, status,
 * and a usage error.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminBin, ProcessCluster } from './test/process-cluster.js';

function run(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [adminBin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ekv-admin encryption', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('drives the whole rollout on one node', async () => {
    cluster = await ProcessCluster.create(['n1'], 1, ['--tick-ms', '20']);
    const kek = join(cluster.dir, 'kek.bin');
    writeFileSync(kek, randomBytes(32), { mode: 0o600 });
    cluster.addFlags('n1', [
      '--encryption-enabled',
      '--kek-file',
      kek,
      '--sidecar-path',
      join(cluster.dir, 'n1.sidecar'),
    ]);
    await cluster.startAll();
    await cluster.waitForLeader();
    const addr = cluster.address('n1');
    const enc = (...args: string[]): { code: number | null; stdout: string; stderr: string } =>
      run(['--addr', addr, 'encryption', ...args]);

    const capability = enc('capability');
    expect(capability.code).toBe(0);
    expect(JSON.parse(capability.stdout)).toMatchObject({
      encryptionCapable: true,
      sidecarPresent: false,
      localEpoch: 0,
    });
    const early = enc('enable-storage-envelope', '--proposer-local-epoch', '0');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^error: EncryptionFailedPrecondition .*ErrEncryptionNotBootstrapped/);

    expect(enc('bootstrap', '--kek-file', kek, '--discover-from', 'nonsense').stderr).toContain(
      "--discover-from: expected HOST:PORT[,HOST:PORT…], got 'nonsense'",
    );
    // The same member twice (comma form and repeated flag) is probed once.
    expect(
      enc('bootstrap', '--kek-file', kek, '--discover-from', `${addr},${addr}`, '--discover-from', addr).stdout,
    ).toMatch(/^OK applied_index=\d+ storage_dek_id=1 raft_dek_id=2 writers=1\n$/);
    expect(enc('enable-storage-envelope').stdout).toMatch(
      /^OK applied_index=\d+ was_already_active=false members_checked=1\n$/,
    );
    expect(run(['--addr', addr, 'put', 'k', 'v1']).code).toBe(0);
    const phase2 = enc('enable-raft-envelope');
    expect(phase2.stdout).toMatch(/^OK applied_index=\d+ was_already_active=false members_checked=1\n$/);
    const cutover = /applied_index=(\d+)/.exec(phase2.stdout)![1]!;
    expect(enc('enable-raft-envelope').stdout).toBe(
      `OK applied_index=${cutover} was_already_active=true members_checked=0\n`,
    );
    expect(enc('rotate-dek', '--kek-file', kek, '--purpose', 'storage').stdout).toMatch(
      /^OK applied_index=\d+ new_dek_id=3\n$/,
    );

    const status = JSON.parse(enc('status').stdout) as Record<string, unknown>;
    expect(status).toMatchObject({
      keyIds: [1, 2, 3],
      activeStorageId: 3,
      activeRaftId: 2,
      storageEnvelopeActive: true,
      raftEnvelopeCutoverIndex: cutover,
    });
    expect(run(['--addr', addr, 'put', 'k', 'v2']).code).toBe(0);
    expect(run(['--addr', addr, 'get', 'k']).stdout).toBe('v2\n');

    const bad = enc('register-writer', '--dek-id', '1', '--writer', '0:1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--writer');
  }, 60_000);
});
