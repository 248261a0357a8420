/**
 * Catalogued bugs B21 and B24 (bug-catalogue.md §10.B), each next to the
 * correct behaviour in the same cluster:
 * - B21, the capability gate on voters only: a learner that is not
 *   encryption-capable is skipped, so Phase 1 commits and the learner halts
 *   on the marker; the correct fan-out refuses naming the learner.
 * - B24, the epoch bump after the replay: a restarted node's storage nonces
 *   restart at the previous load's epoch, so two different records share a
 *   (key id, nonce); a node without the switch never repeats one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fullNodeId } from '../encryption/index.js';
import type { MvccRecord } from '../proto/index.js';
import { classifyError } from '../proto/index.js';
import {
  bootstrapEncryption,
  canary,
  enableStorageEnvelope,
  encryptionFlags,
  inspectNode,
  makeLeader,
  putWithRetry,
  startEncryptedCluster,
  waitForHalt,
  writeKek,
} from './test/encryption-cluster.js';
import { ProcessCluster, waitFor } from './test/process-cluster.js';

/** Storage envelopes in a stopped node's store that share a (key id, nonce) with another record: nonce reuse. */
async function reusedStorageNonces(cluster: ProcessCluster, id: string): Promise<MvccRecord[][]> {
  const records = (await inspectNode(cluster, id)).filter(
    (r): r is MvccRecord => r.kind === 'mvcc' && r.source === 'store',
  );
  const byNonce = new Map<string, MvccRecord[]>();
  for (const record of records) {
    if (record.envelope === undefined) continue;
    const slot = `${record.envelope.keyId}/${record.envelope.nonceHex}`;
    byNonce.set(slot, [...(byNonce.get(slot) ?? []), record]);
  }
  // Distinct keys or versions mean a different AAD (and plaintext) under the same nonce.
  return [...byNonce.values()].filter((group) => new Set(group.map((r) => `${r.keyHex}@${r.commitTs}`)).size > 1);
}

describe('bug switches B21 (fan-out on voters only) and B24 (epoch bump after the replay)', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('B21: Phase 1 skips an incapable learner and the learner halts on the marker; the correct fan-out refuses naming it', async () => {
    // Compaction every 10 entries lets the learner catch up from a snapshot taken after the bootstrap:
    // a keyless node that applied the bootstrap entry itself would halt there already (B20, not this bug).
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3', 'n4'], 3, [
      '--tick-ms',
      '20',
      '--snapshot-entries',
      '10',
      '--snapshot-keep-entries',
      '2',
    ]);
    const kekPath = writeKek(cluster);
    for (const id of ['n1', 'n2', 'n3']) cluster.addFlags(id, encryptionFlags(cluster, id, kekPath));
    cluster.addFlags('n3', ['--bug', 'B21']);
    await cluster.startAll(['n1', 'n2', 'n3']);
    const voters = ['n1', 'n2', 'n3'];
    await bootstrapEncryption(cluster, await cluster.waitForLeader(voters), kekPath, voters);
    for (let i = 0; i < 25; i++) expect(await putWithRetry(cluster, 'n1', `phase0-${i}`, `v${i}`)).toBe(true);
    await cluster.start('n4');
    const added = await cluster.admin('n1').addLearner({ id: 'n4', address: cluster.address('n4') });
    await waitFor('n4 to catch up', 20_000, async () =>
      (await cluster!.status('n4')).appliedIndex >= added.appliedIndex ? true : undefined,
    );

    await makeLeader(cluster, 'n1');
    const refused = await enableStorageEnvelope(cluster, 'n1').catch((error: unknown) => error);
    expect(classifyError(refused).spec.name).toBe('EncryptionFailedPrecondition');
    expect(String(refused)).toContain(`full id ${fullNodeId('n4')} is not encryption-capable`);

    await makeLeader(cluster, 'n3');
    const phase1 = await enableStorageEnvelope(cluster, 'n3');
    expect(phase1.wasAlreadyActive).toBe(false);
    expect(phase1.capabilitySummary).toHaveLength(3);
    expect(await waitForHalt(cluster, 'n4', 20_000)).toMatch(/ErrKEKNotConfigured/);
    expect(await putWithRetry(cluster, 'n3', 'phase1', 'voters-still-serve')).toBe(true);
  }, 90_000);

  it("B24: after a restart the switched node repeats its previous load's storage nonces; the others do not", async () => {
    const started = await startEncryptedCluster({ nodeFlags: { n1: ['--bug', 'B24'] } });
    cluster = started.cluster;
    await bootstrapEncryption(cluster, started.leader, started.kekPath);
    await enableStorageEnvelope(cluster, started.leader);
    for (let i = 0; i < 5; i++) expect(await putWithRetry(cluster, started.leader, `load1-${i}`, canary())).toBe(true);
    await Promise.all(cluster.ids().map((id) => cluster!.kill(id, 'SIGTERM')));
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    for (let i = 0; i < 5; i++) expect(await putWithRetry(cluster, leader, `load2-${i}`, canary())).toBe(true);
    await Promise.all(cluster.ids().map((id) => cluster!.kill(id, 'SIGTERM')));

    const reused = await reusedStorageNonces(cluster, 'n1');
    expect(reused.length, 'n1 (B24) reuses nonces').toBeGreaterThan(0);
    const keys = reused.flat().map((record) => record.key);
    expect(
      keys.some((key) => key?.startsWith('load1-') === true) && keys.some((key) => key?.startsWith('load2-') === true),
    ).toBe(true);
    expect(await reusedStorageNonces(cluster, 'n2'), 'n2 (correct) reuses no nonce').toEqual([]);
  }, 90_000);
});
