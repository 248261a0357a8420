/**
 * A node started with --join after the log was compacted catches up by
 * snapshot (its log shows the install), is promoted to voter, and can then
 * take over leadership and serve every value written before it joined.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessCluster, waitFor } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('learner joining after compaction', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('catches up by snapshot, is promoted, and serves as leader', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3', 'n4'], 3, [
      '--tick-ms',
      '20',
      '--snapshot-entries',
      '10',
      '--snapshot-keep-entries',
      '2',
    ]);
    await cluster.startAll(['n1', 'n2', 'n3']);
    const leader = await cluster.waitForLeader(['n1', 'n2', 'n3']);
    const kv = cluster.kv(leader);
    for (let i = 0; i < 40; i++) await kv.put({ key: utf8(`k${i}`), value: utf8(`v${i}`) });
    const before = await cluster.status(leader);
    expect(before.snapshotIndex).toBeGreaterThan(10);

    await cluster.start('n4');
    const admin = cluster.admin('n2');
    const added = await admin.addLearner({ id: 'n4', address: cluster.address('n4') });
    expect(added.members.find((m) => m.id === 'n4')?.suffrage).toBe('learner');
    await waitFor('n4 to catch up', 15_000, async () => {
      const status = await cluster!.status('n4');
      return status.role === 'learner' && status.appliedIndex >= added.appliedIndex ? status : undefined;
    });
    expect(cluster.logOf('n4')).toContain('installing snapshot');

    const promoted = await admin.promote({ id: 'n4' });
    expect(promoted.members.find((m) => m.id === 'n4')?.suffrage).toBe('voter');
    const transfer = await cluster.admin('n4').transferLeadership({ id: 'n4' });
    expect(transfer.leader).toBe('n4');
    const n4 = cluster.kv('n4');
    for (let i = 0; i < 40; i++) {
      const got = await n4.get({ key: utf8(`k${i}`), noForward: true });
      expect(text(got.value)).toBe(`v${i}`);
    }
    const status = await cluster.status('n1');
    expect(status.members.map((m) => `${m.id}:${m.suffrage}`).sort()).toEqual([
      'n1:voter',
      'n2:voter',
      'n3:voter',
      'n4:voter',
    ]);
  }, 60_000);
});
