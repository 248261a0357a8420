/**
 * Registration triggers on real node processes (spec §3.4):
 * - 7c: a learner added after Phase 1 (through a follower, which forwards
 *   the AddLearner) is pre-registered by the leader for the active storage
 *   and raft DEKs at epoch 0; it applies writes as storage envelopes under
 *   its own node id at epoch 0; restarted, it bumps to epoch 1 and — a
 *   learner, never a leader — registers by forwarding to the leader (7a);
 * - a member id whose 16-bit node id collides with a registered writer is
 *   refused before anything is proposed (ErrWriterUint16Collision);
 * - an operator mutator on a follower answers FailedPrecondition with the
 *   leader hint (§6.2), and the same call on the hinted leader succeeds;
 * - 7a: a node restarted alone after Phase 1 holds writes at its first-write
 *   barrier (WriterNotRegistered at the deadline, not NoLeader) until a
 *   quorum is back and its registration at the bumped epoch committed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findCollidingRaftId, fullNodeId, nodeId16 } from '../encryption/index.js';
import { classifyError } from '../proto/index.js';
import {
  bootstrapEncryption,
  canary,
  enableStorageEnvelope,
  encryptionFlags,
  inspectNode,
  putWithRetry,
  text,
  utf8,
  writeKek,
} from './test/encryption-cluster.js';
import { ProcessCluster, waitFor } from './test/process-cluster.js';

/** The leader's registry rows for `id` (ResyncSidecar's projection: DEK id → last_seen epoch). */
async function registryOf(cluster: ProcessCluster, leader: string, id: string): Promise<Record<string, number>> {
  const answer = await cluster.encryption(leader).resyncSidecar({ callerFullNodeId: fullNodeId(id).toString() });
  return answer.writerRegistryForCaller;
}

/** Three encrypted voters after bootstrap and Phase 1, plus `n4` configured (encryption flags, --join) but not started. */
async function phase1Cluster(): Promise<{ cluster: ProcessCluster; leader: string }> {
  const cluster = await ProcessCluster.create(['n1', 'n2', 'n3', 'n4'], 3, ['--tick-ms', '20']);
  try {
    const kekPath = writeKek(cluster);
    for (const id of cluster.ids()) cluster.addFlags(id, encryptionFlags(cluster, id, kekPath));
    await cluster.startAll(['n1', 'n2', 'n3']);
    const leader = await cluster.waitForLeader(['n1', 'n2', 'n3']);
    await bootstrapEncryption(cluster, leader, kekPath, ['n1', 'n2', 'n3']);
    await enableStorageEnvelope(cluster, leader);
    return { cluster, leader };
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
}

describe('registration triggers', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('a learner added after Phase 1 is pre-registered at epoch 0, writes envelopes under its own id, and re-registers by forwarding after a restart', async () => {
    const started = await phase1Cluster();
    cluster = started.cluster;
    const { leader } = started;
    expect(await registryOf(cluster, leader, 'n4')).toEqual({});

    await cluster.start('n4');
    const follower = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
    const added = await cluster.admin(follower).addLearner({ id: 'n4', address: cluster.address('n4') });
    expect(added.members.find((m) => m.id === 'n4')?.suffrage).toBe('learner');
    // Both active DEKs (storage 1, raft 2), epoch 0, committed before the conf change.
    expect(await registryOf(cluster, leader, 'n4')).toEqual({ '1': 0, '2': 0 });

    const value = canary();
    expect(await putWithRetry(cluster, 'n4', 'after-join', value)).toBe(true);
    const written = await cluster.admin(leader).status({});
    await waitFor('n4 to apply the write', 15_000, async () =>
      (await cluster!.status('n4')).appliedIndex >= written.appliedIndex ? true : undefined,
    );
    await cluster.kill('n4', 'SIGTERM');
    const records = await inspectNode(cluster, 'n4');
    const mine = records.filter((r) => r.kind === 'mvcc' && r.key === 'after-join');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      encryptionState: 'envelope',
      envelope: { keyId: 1, nonceNodeId16: nodeId16(fullNodeId('n4')), nonceLocalEpoch: 0 },
    });

    // Restart: the storage epoch bumps 0 -> 1; the learner registers through the leader (7a) and writes pass its barrier.
    await cluster.start('n4');
    await waitFor(
      'n4 registered at epoch 1',
      20_000,
      async () => ((await registryOf(cluster!, leader, 'n4'))['1'] === 1 ? true : undefined),
      200,
    );
    expect(await putWithRetry(cluster, 'n4', 'after-restart', 'v2')).toBe(true);
    const got = await cluster.kv(leader).get({ key: utf8('after-restart') });
    expect(text(got.value)).toBe('v2');
    expect(cluster.logOf('n4')).toContain('first-write barrier released');
  }, 90_000);

  it('refuses to add a member whose 16-bit node id collides with a registered writer, proposing nothing', async () => {
    const started = await phase1Cluster();
    cluster = started.cluster;
    const { leader } = started;
    const colliding = findCollidingRaftId('n1', 'm');
    const before = await cluster.status(leader);
    const n1Rows = await registryOf(cluster, leader, 'n1');
    const error = await cluster
      .admin(leader)
      .addLearner({ id: colliding, address: '127.0.0.1:1' })
      .catch((e: unknown) => e);
    const classified = classifyError(error);
    expect(classified.spec.name).toBe('EncryptionFailedPrecondition');
    expect(classified.message).toContain('ErrWriterUint16Collision');
    const after = await cluster.status(leader);
    expect(after.members.map((m) => m.id).sort()).toEqual(before.members.map((m) => m.id).sort());
    // n1's rows are untouched: no registration of the colliding id was proposed (it would have halted every replica).
    expect(await registryOf(cluster, leader, 'n1')).toEqual(n1Rows);
    expect((await cluster.status(leader)).halted).toBe(false);
  }, 60_000);

  it('a mutator called on a follower answers with the leader hint, and succeeds on the hinted leader', async () => {
    const started = await phase1Cluster();
    cluster = started.cluster;
    const { leader } = started;
    const follower = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
    // A writer row for n4 (not a member yet), as an operator would register it.
    const request = { dekId: 1, writers: [{ fullNodeId: fullNodeId('n4').toString(), localEpoch: 5 }] };
    const refused = classifyError(
      await cluster
        .encryption(follower)
        .registerEncryptionWriter(request)
        .catch((e: unknown) => e),
    );
    expect(refused.spec.name).toBe('EncryptionFailedPrecondition');
    expect(refused.leaderHint?.leaderId).toBe(leader);
    expect(refused.leaderHint?.leaderAddress).toBe(cluster.address(leader));
    expect(await registryOf(cluster, leader, 'n4')).toEqual({});

    const hinted = ['n1', 'n2', 'n3'].find((id) => cluster!.address(id) === refused.leaderHint?.leaderAddress)!;
    const accepted = await cluster.encryption(hinted).registerEncryptionWriter(request);
    expect(Number(accepted.appliedIndex)).toBeGreaterThan(0);
    expect(await registryOf(cluster, leader, 'n4')).toEqual({ '1': 5 });
  }, 60_000);

  it('7a: a node restarted after Phase 1 holds writes at its first-write barrier until its registration commits', async () => {
    const started = await phase1Cluster();
    cluster = started.cluster;
    await Promise.all(['n1', 'n2', 'n3'].map((id) => cluster!.kill(id, 'SIGTERM')));
    // Alone, n2 cannot reach a leader: its registration at the bumped epoch cannot commit. The node's own bound
    // (--proposal-timeout-ms) ends the wait well inside the client's deadline: ending it at the client's deadline
    // leaves the answer a 50 ms margin, which a loaded machine does not always give (DeadlineExceeded).
    await cluster.start('n2', ['--proposal-timeout-ms', '1000']);
    const held = classifyError(
      await cluster
        .kv('n2')
        .put({ key: utf8('held'), value: utf8('x') }, { timeoutMs: 5_000 })
        .catch((e: unknown) => e),
    );
    expect(held.spec.name).toBe('WriterNotRegistered');
    expect(held.definite).toBe(true);
    await cluster.start('n1');
    expect(await putWithRetry(cluster, 'n2', 'released', 'y')).toBe(true);
    expect(cluster.logOf('n2')).toContain('first-write barrier released');
    const leader = await cluster.waitForLeader(['n1', 'n2']);
    expect((await registryOf(cluster, leader, 'n2'))['1']).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
