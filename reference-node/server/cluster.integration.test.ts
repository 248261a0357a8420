/**
 * A 3-node cluster of real processes: it elects a leader, serves writes and
 * linearizable reads through any node (followers forward), refuses with the
 * leader hint when asked not to forward, and recovers every value after all
 * nodes restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, NodeErrors } from '../proto/index.js';
import { ProcessCluster } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('3-node cluster', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('elects a leader, serves through every node, and recovers after a full restart', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20']);
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const follower = cluster.ids().find((id) => id !== leader)!;

    for (const id of cluster.ids()) {
      const response = await cluster.kv(id).put({ key: utf8(`key-${id}`), value: utf8(`value-${id}`) });
      expect(response.appliedIndex).toBeGreaterThan(0);
    }
    for (const reader of cluster.ids()) {
      for (const writer of cluster.ids()) {
        const got = await cluster.kv(reader).get({ key: utf8(`key-${writer}`) });
        expect(got.found).toBe(true);
        expect(text(got.value)).toBe(`value-${writer}`);
      }
    }
    const cas = await cluster
      .kv(follower)
      .compareAndSet({ key: utf8('key-n1'), expected: utf8('value-n1'), newValue: utf8('changed') });
    expect(cas.succeeded).toBe(true);
    const casMiss = await cluster
      .kv(follower)
      .compareAndSet({ key: utf8('key-n1'), expected: utf8('value-n1'), newValue: utf8('again') });
    expect(casMiss.succeeded).toBe(false);
    expect(text(casMiss.current)).toBe('changed');
    const deleted = await cluster.kv(follower).delete({ key: utf8('key-n2') });
    expect(deleted.existed).toBe(true);

    // A follower asked not to forward answers NotLeader (definite) with the leader hint.
    const refusal = await cluster
      .kv(follower)
      .put({ key: utf8('x'), value: utf8('y'), noForward: true })
      .catch((error: unknown) => error);
    const classified = classifyError(refusal);
    expect(classified.spec).toBe(NodeErrors.NotLeader);
    expect(classified.definite).toBe(true);
    expect(classified.leaderHint).toEqual({ leaderId: leader, leaderAddress: cluster.address(leader) });

    await Promise.all(cluster.ids().map((id) => cluster!.kill(id, 'SIGTERM')));
    for (const id of cluster.ids()) expect(cluster.running(id)).toBe(false);
    await cluster.startAll();
    await cluster.waitForLeader();
    for (const reader of cluster.ids()) {
      expect(text((await cluster.kv(reader).get({ key: utf8('key-n1') })).value)).toBe('changed');
      expect((await cluster.kv(reader).get({ key: utf8('key-n2') })).found).toBe(false);
      expect(text((await cluster.kv(reader).get({ key: utf8('key-n3') })).value)).toBe('value-n3');
    }
  }, 60_000);

  it('exits 0 on SIGTERM', async () => {
    cluster = await ProcessCluster.create(['n1'], 1);
    await cluster.startAll();
    await cluster.waitForLeader();
    expect(await cluster.kill('n1', 'SIGTERM')).toBe(0);
  }, 30_000);
});
