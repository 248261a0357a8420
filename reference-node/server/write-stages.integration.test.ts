/**
 * Real processes: every KV write a follower takes reaches the leader on the
 * Forward stream and keeps its meaning (put, delete, compare-and-set, a
 * refused compare), and Status accounts for where the writes' time went —
 * the leader counts every KV proposal (its own and the forwarded ones), and
 * every node times the entries it appended and saw committed (bench:node's
 * latency breakdown divides these sums).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessCluster } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('forwarded writes and write stage times', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('serves forwarded writes and counts their stages on the leader and the followers', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20']);
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const follower = cluster.ids().find((id) => id !== leader)!;
    const before = await cluster.status(leader);
    const viaLeader = cluster.kv(leader);
    const viaFollower = cluster.kv(follower);
    const options = { timeoutMs: 10_000 };

    for (let i = 0; i < 10; i++) await viaLeader.put({ key: utf8(`leader-${i}`), value: utf8('v') }, options);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        viaFollower.put({ key: utf8(`follower-${i}`), value: utf8(`f${i}`) }, options),
      ),
    );
    const deleted = await viaFollower.delete({ key: utf8('follower-0') }, options);
    expect(deleted.existed).toBe(true);
    const swapped = await viaFollower.compareAndSet(
      { key: utf8('follower-1'), expected: utf8('f1'), newValue: utf8('g1') },
      options,
    );
    expect(swapped.succeeded).toBe(true);
    const refused = await viaFollower.compareAndSet(
      { key: utf8('follower-2'), expected: utf8('nope'), newValue: utf8('x') },
      options,
    );
    expect(refused).toMatchObject({ succeeded: false, currentFound: true });
    expect(Buffer.from(refused.current).toString()).toBe('f2');
    const read = await viaFollower.get({ key: utf8('follower-1') }, options);
    expect(Buffer.from(read.value).toString()).toBe('g1');
    expect((await viaFollower.get({ key: utf8('follower-0') }, options)).found).toBe(false);

    const after = await cluster.status(leader);
    const kvWrites = 10 + 10 + 3;
    expect(after.writeStages.kvProposals - before.writeStages.kvProposals).toBe(kvWrites);
    expect(after.writeStages.kvProposalMs).toBeGreaterThan(before.writeStages.kvProposalMs);
    expect(after.writeStages.entries - before.writeStages.entries).toBeGreaterThanOrEqual(kvWrites);
    expect(after.writeStages.appendMs).toBeGreaterThan(before.writeStages.appendMs);
    expect(after.writeStages.commitMs).toBeGreaterThan(before.writeStages.commitMs);
    expect(after.syncedWrites).toBeGreaterThan(before.syncedWrites);

    const followerStatus = await cluster.status(follower);
    expect(followerStatus.writeStages.kvProposals, 'a follower forwards, it proposes nothing itself').toBe(0);
    expect(followerStatus.writeStages.entries).toBeGreaterThanOrEqual(kvWrites);
    expect(followerStatus.writeStages.appendMs).toBeGreaterThan(0);
  }, 60_000);
});
