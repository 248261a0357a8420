/**
 * Bug switches of the E-list (bug-catalogue.md §10.D) on real 3-node
 * clusters, each next to what the correct node does:
 * - E1: the raft cutover recorded at index 0. EnableRaftEnvelope reports
 *   success, but every sidecar keeps cutover 0, a value written afterwards
 *   sits in cleartext in the data dirs, and a retry is "fresh" again.
 * - E2: one node is a build that records the cutover but cannot wrap.
 *   Phase 2 succeeds through a correct leader; once that node leads, its
 *   cleartext write halts the correct replicas.
 * - E5: forwarded writes proposed unwrapped. After Phase 2 a write sent to a
 *   follower halts every replica; without the switch it applies.
 * - B36 (§10.B, here for its restart): a storage rotation that does not
 *   carry the epoch into the sidecar; the next start of any node refuses.
 * - E13: the barrier's begin step waits for a signal that never comes.
 *   EnableRaftEnvelope ends only with its deadline while writes are refused,
 *   and nothing is cut over.
 * - E14: no wrap re-install after a raft-DEK rotation. Raft entries above
 *   the rotation keep the old raft DEK's key id (seen by `ekv-admin inspect`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../proto/index.js';
import {
  bootstrapEncryption,
  bytesOnDisk,
  canary,
  enableRaftEnvelope,
  enableStorageEnvelope,
  inspectNode,
  makeLeader,
  proposerOf,
  putWithRetry,
  rolloutToPhase2,
  rotateDekWithCli,
  startEncryptedCluster,
  utf8,
  waitForHalt,
  waitForRegistration,
} from './test/encryption-cluster.js';
import { waitFor, type ProcessCluster } from './test/process-cluster.js';

/** The registry name of a call's failure, or 'ok'. */
async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return classifyError(error).spec.name;
  }
}

async function raftCutoverOf(cluster: ProcessCluster, id: string): Promise<number> {
  return Number((await cluster.encryption(id).getSidecarState({})).raftEnvelopeCutoverIndex);
}

describe('E-list bug switches on a cluster', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('E1: Phase 2 reports success but records cutover 0 on every replica, later values stay cleartext on disk, and a retry is fresh again', async () => {
    const started = await startEncryptedCluster({ commonFlags: ['--bug', 'E1'] });
    cluster = started.cluster;
    const { leader } = started;
    await bootstrapEncryption(cluster, leader, started.kekPath);
    await enableStorageEnvelope(cluster, leader);
    const phase2 = await enableRaftEnvelope(cluster, leader);
    expect(phase2.wasAlreadyActive).toBe(false);
    expect(Number(phase2.appliedIndex)).toBeGreaterThan(0);
    const secret = canary();
    expect(await putWithRetry(cluster, leader, 'after-phase-2', secret)).toBe(true);
    for (const id of cluster.ids()) {
      await waitFor(
        `${id} to apply the write`,
        10_000,
        async () => (await cluster!.kv(id).get({ key: utf8('after-phase-2'), local: true })).found || undefined,
      );
      expect(await raftCutoverOf(cluster, id), `${id} cutover`).toBe(0);
      // The raft log entry of the write is not wrapped: its value is on disk verbatim (I1/I5, PLAIN).
      expect(bytesOnDisk(cluster.node(id).dataDir, secret), `${id} plaintext on disk`).toBe(true);
    }
    // I10: a retry should answer was_already_active with the original index; here it proposes another marker.
    const retry = await enableRaftEnvelope(cluster, leader);
    expect(retry.wasAlreadyActive).toBe(false);
    expect(Number(retry.appliedIndex)).toBeGreaterThan(Number(phase2.appliedIndex));
  }, 90_000);

  for (const [bugs, expected] of [
    [['--bug', 'E5'], 'halt'],
    [[], 'applied'],
  ] as const) {
    it(`E5 ${bugs.length === 0 ? 'off' : 'on'}: after Phase 2 a write sent to a follower ${expected === 'halt' ? 'halts every replica' : 'applies'}`, async () => {
      const started = await startEncryptedCluster({ commonFlags: ['--no-exit-on-halt', ...bugs] });
      cluster = started.cluster;
      const { leader } = started;
      await rolloutToPhase2(cluster, leader, started.kekPath);
      expect(await putWithRetry(cluster, leader, 'via-leader', 'v')).toBe(true);
      const follower = cluster.ids().find((id) => id !== leader)!;
      const forwarded = await outcomeOf(
        cluster.kv(follower).put({ key: utf8('via-follower'), value: utf8('v') }, { timeoutMs: 8_000 }),
      );
      if (expected === 'halt') {
        for (const id of cluster.ids())
          expect(await waitForHalt(cluster, id), id).toMatch(/ErrRaftUnwrapFailed|unwrap/i);
      } else {
        expect(forwarded).toBe('ok');
        for (const id of cluster.ids()) expect((await cluster.status(id)).halted, id).toBe(false);
      }
    }, 90_000);
  }

  it('E13: EnableRaftEnvelope ends only with its deadline, writes are refused meanwhile, nothing is cut over, and writes resume after', async () => {
    const started = await startEncryptedCluster({ commonFlags: ['--bug', 'E13'] });
    cluster = started.cluster;
    const { leader } = started;
    await bootstrapEncryption(cluster, leader, started.kekPath);
    await enableStorageEnvelope(cluster, leader);
    expect(await putWithRetry(cluster, leader, 'before', 'v')).toBe(true);
    const phase2 = outcomeOf(
      cluster.encryption(leader).enableRaftEnvelope(await proposerOf(cluster, leader), { timeoutMs: 5_000 }),
    );
    await waitFor('a write refused by the closed barrier', 4_000, async () => {
      const outcome = await outcomeOf(
        cluster!.kv(leader).put({ key: utf8('during'), value: utf8('v') }, { timeoutMs: 1_000 }),
      );
      return outcome === 'EnvelopeCutoverInProgress' ? outcome : undefined;
    });
    expect(['DeadlineExceeded', 'ProposalTimeout']).toContain(await phase2);
    for (const id of cluster.ids()) expect(await raftCutoverOf(cluster, id), `${id} cutover`).toBe(0);
    // The wait ended with the deadline; the barrier reopened (the retry would hang again).
    expect(await putWithRetry(cluster, leader, 'after', 'v')).toBe(true);
  }, 90_000);

  for (const [bugs, wrappedWith] of [
    [['--bug', 'E14'], 'old'],
    [[], 'new'],
  ] as const) {
    it(`E14 ${bugs.length === 0 ? 'off' : 'on'}: raft entries above a raft-DEK rotation carry the ${wrappedWith} DEK's key id`, async () => {
      const started = await startEncryptedCluster({ commonFlags: bugs });
      cluster = started.cluster;
      const { leader } = started;
      await rolloutToPhase2(cluster, leader, started.kekPath);
      const oldRaftDek = Number((await cluster.encryption(leader).getSidecarState({})).activeRaftId);
      const rotation = await rotateDekWithCli(cluster, leader, started.kekPath, 'raft');
      for (let i = 0; i < 3; i++) expect(await putWithRetry(cluster, leader, `after-rotation-${i}`, 'v')).toBe(true);
      await cluster.kill(leader, 'SIGTERM');
      const above = (await inspectNode(cluster, leader)).filter(
        (r) => r.kind === 'raft-entry' && r.wrapped && r.index > rotation.appliedIndex,
      );
      expect(above.length).toBeGreaterThanOrEqual(3);
      // The newest three: the writes after the rotation, or later entries. An entry proposed while the
      // rotation was in flight (a lease renewal) lands above it wrapped with the old DEK, correctly.
      const indexOf = (r: (typeof above)[number]): number => (r.kind === 'raft-entry' ? r.index : 0);
      const newest = [...above].sort((a, b) => indexOf(a) - indexOf(b)).slice(-3);
      const keyIds = new Set(newest.map((r) => (r.kind === 'raft-entry' ? r.envelope?.keyId : undefined)));
      expect([...keyIds]).toEqual([wrappedWith === 'old' ? oldRaftDek : rotation.newDekId]);
    }, 90_000);
  }

  for (const [bugs, expected] of [
    [['--bug', 'E2'], 'halt'],
    [[], 'applied'],
  ] as const) {
    it(`E2 ${bugs.length === 0 ? 'off' : 'on'}: after Phase 2 a write led by n3 ${expected === 'halt' ? 'halts the correct replicas' : 'applies everywhere'}`, async () => {
      const started = await startEncryptedCluster({ commonFlags: ['--no-exit-on-halt'], nodeFlags: { n3: bugs } });
      cluster = started.cluster;
      await makeLeader(cluster, 'n1');
      await rolloutToPhase2(cluster, 'n1', started.kekPath);
      // The old build records the cutover like everyone else — once it applied it: Enable answers when the
      // leader applied the marker, and a follower learns the commit with the leader's next message.
      const n3Cutover = await waitFor('n3 to apply the raft cutover', 15_000, async () => {
        const index = await raftCutoverOf(cluster as ProcessCluster, 'n3');
        return index > 0 ? index : undefined;
      });
      expect(n3Cutover).toBeGreaterThan(0);
      await makeLeader(cluster, 'n3');
      if (expected === 'halt') {
        await outcomeOf(cluster.kv('n3').put({ key: utf8('led-by-n3'), value: utf8('v') }, { timeoutMs: 8_000 }));
        for (const id of ['n1', 'n2']) expect(await waitForHalt(cluster, id), id).toMatch(/unwrap|ErrRaft/i);
      } else {
        // Retried while n3's raft registration commits (WriterNotRegistered is retryable).
        expect(await putWithRetry(cluster, 'n3', 'led-by-n3', 'v')).toBe(true);
        for (const id of cluster.ids()) expect((await cluster.status(id)).halted, id).toBe(false);
      }
    }, 120_000);
  }

  for (const [bugs, restart] of [
    [['--bug', 'B36'], 'refused'],
    [[], 'starts'],
  ] as const) {
    it(`B36 ${bugs.length === 0 ? 'off' : 'on'}: after a storage rotation a restarted node ${restart}`, async () => {
      const started = await startEncryptedCluster({ commonFlags: bugs });
      cluster = started.cluster;
      const { leader } = started;
      await bootstrapEncryption(cluster, leader, started.kekPath);
      await enableStorageEnvelope(cluster, leader);
      // One restart first, so the follower's pinned storage epoch is 1 (a runtime bootstrap pins 0, which B36's 0 would equal).
      const follower = cluster.ids().find((id) => id !== leader)!;
      await cluster.kill(follower, 'SIGTERM');
      await cluster.start(follower);
      expect(await putWithRetry(cluster, follower, 'after-restart', 'v')).toBe(true);
      const rotation = await rotateDekWithCli(cluster, leader, started.kekPath, 'storage');
      await waitForRegistration(cluster, rotation.newDekId);
      await cluster.kill(follower, 'SIGTERM');
      const outcome = await cluster.start(follower).then(
        () => 'starts',
        (error: unknown) => String(error),
      );
      if (restart === 'refused') expect(outcome).toMatch(/ErrLocalEpochRollback/);
      else expect(outcome).toBe('starts');
    }, 90_000);
  }
});
