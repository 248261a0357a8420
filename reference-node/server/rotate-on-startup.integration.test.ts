/**
 * Rotate-on-startup (6F, spec §7.9) on real node processes: after Phase 2,
 * one node restarts with --rotate-on-startup. It comes back as a follower
 * and keeps the request; once it leads it rotates the storage DEK and then
 * the raft DEK (ids max+1: 3 and 4), so every node's sidecar names both new
 * ids active, and writes and reads keep working — including writes proposed
 * and wrapped under the new raft DEK, and a restart of every node after it.
 * The control: a node restarted without the flag rotates nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  makeLeader,
  putWithRetry,
  rolloutToPhase2,
  startEncryptedCluster,
  text,
  utf8,
  waitForRegistration,
} from './test/encryption-cluster.js';
import { waitFor, type ProcessCluster } from './test/process-cluster.js';

async function activeIds(cluster: ProcessCluster, id: string): Promise<string> {
  const state = await cluster.encryption(id).getSidecarState({});
  return `${state.activeStorageId}/${state.activeRaftId}`;
}

async function expectReadable(
  cluster: ProcessCluster,
  via: string,
  values: ReadonlyMap<string, string>,
): Promise<void> {
  const kv = cluster.kv(via);
  for (const [key, value] of values) expect(text((await kv.get({ key: utf8(key) })).value)).toBe(value);
}

describe('rotate-on-startup', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('a node restarted with --rotate-on-startup rotates storage then raft DEK once it leads; every sidecar agrees and data stays readable', async () => {
    const started = await startEncryptedCluster();
    cluster = started.cluster;
    await rolloutToPhase2(cluster, started.leader, started.kekPath);
    const values = new Map<string, string>();
    for (let i = 0; i < 5; i++) {
      values.set(`before-${i}`, `v${i}`);
      expect(await putWithRetry(cluster, started.leader, `before-${i}`, `v${i}`)).toBe(true);
    }
    const target = cluster.ids().find((id) => id !== started.leader)!;

    // Control: a restart without the flag rotates nothing.
    await cluster.kill(target, 'SIGTERM');
    await cluster.start(target);
    await makeLeader(cluster, target);
    expect(await putWithRetry(cluster, target, 'control', 'c')).toBe(true);
    values.set('control', 'c');
    for (const id of cluster.ids()) expect(await activeIds(cluster, id)).toBe('1/2');

    // With the flag: hand leadership away first, so the restarted node starts as a follower and keeps the request.
    const other = cluster.ids().find((id) => id !== target)!;
    await makeLeader(cluster, other);
    await cluster.kill(target, 'SIGTERM');
    await cluster.start(target, ['--rotate-on-startup']);
    await cluster.waitForLeader();
    await makeLeader(cluster, target);
    await waitFor(
      'every sidecar to name DEKs 3 (storage) and 4 (raft) active',
      30_000,
      async () => {
        const ids = await Promise.all(cluster!.ids().map((id) => activeIds(cluster!, id)));
        return ids.every((pair) => pair === '3/4') ? true : undefined;
      },
      200,
    );
    expect(cluster.logOf(target)).toContain('rotate-on-startup done');

    for (const id of cluster.ids()) {
      expect(await putWithRetry(cluster, id, `after-${id}`, `w-${id}`)).toBe(true);
      values.set(`after-${id}`, `w-${id}`);
    }
    await expectReadable(cluster, target, values);

    // The rotated keys survive a restart of every node (guards pass, wraps install from the sidecar).
    // Only once every node registered for the new DEKs: a node stopped before its row for the active
    // storage DEK committed refuses to start (ErrLocalEpochRollback, missing row; spec §8.2).
    await waitForRegistration(cluster, 3);
    await waitForRegistration(cluster, 4);
    await Promise.all(cluster.ids().map((id) => cluster!.kill(id, 'SIGTERM')));
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    expect(await putWithRetry(cluster, leader, 'after-restart', 'r')).toBe(true);
    values.set('after-restart', 'r');
    await expectReadable(cluster, leader, values);
    for (const id of cluster.ids()) expect(await activeIds(cluster, id)).toBe('3/4');
  }, 120_000);
});
