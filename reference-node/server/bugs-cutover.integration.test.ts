/**
 * Catalogued bugs of the Phase-2 data path (bug-catalogue.md §10.B), each
 * re-introduced with `--bug` on a real 3-node cluster and shown to break the
 * cluster the way the catalogue says; one control run without switches goes
 * through the same steps (Phase 2 under write load, a write afterwards, a
 * restart of every node) and stays healthy:
 * - B3: the whole proposal envelope is wrapped. Here both version bytes are
 *   0x01, so the entry still parses as a proposal envelope, but with a
 *   garbage id and a garbage payload whose unwrap fails: the write never gets
 *   its answer and every replica halts just above the cutover.
 * - B4: `>=` at the cutover. The first apply of the marker is fine (the
 *   cutover is still 0 then); the replay after a restart unwraps the
 *   cleartext marker and every replica halts at exactly the cutover index.
 * - B6: no barrier. Writes in flight while the marker commits are proposed
 *   in cleartext above it: every replica halts (GCM).
 * Nodes run with --no-exit-on-halt so Status reports the halt reason and index.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, createKvClient, type StatusResponse } from '../proto/index.js';
import {
  bootstrapEncryption,
  enableRaftEnvelope,
  enableStorageEnvelope,
  putWithRetry,
  startEncryptedCluster,
  text,
  utf8,
} from './test/encryption-cluster.js';
import { waitFor, type ProcessCluster } from './test/process-cluster.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Where and why a node halted. */
interface Halt {
  readonly reason: string;
  readonly index: number;
}

/** Waits until node `id` reports a halt in Status. */
async function haltOf(cluster: ProcessCluster, id: string, timeoutMs = 20_000): Promise<Halt> {
  return waitFor(`${id} to halt`, timeoutMs, async () => {
    const status: StatusResponse = await cluster.status(id);
    return status.halted ? { reason: status.haltReason, index: status.haltIndex } : undefined;
  });
}

/** Every node halted with the raft unwrap failure at one and the same index; returns it. */
async function expectClusterHaltedOnUnwrap(cluster: ProcessCluster): Promise<number> {
  const halts = await Promise.all(cluster.ids().map((id) => haltOf(cluster, id)));
  for (const [i, halt] of halts.entries())
    expect(halt.reason, `halt reason of ${cluster.ids()[i]}`).toContain('ErrRaftUnwrapFailed');
  expect(new Set(halts.map((h) => h.index)).size, `halt indexes ${JSON.stringify(halts)}`).toBe(1);
  return halts[0]!.index;
}

/** The raft cutover index in node `id`'s sidecar (0 when none). */
async function raftCutoverOf(cluster: ProcessCluster, id: string): Promise<number> {
  return Number((await cluster.encryption(id).getSidecarState({})).raftEnvelopeCutoverIndex);
}

/** Writers that keep `writers` puts in flight on one node until stopped; counts acknowledged puts. */
function startLoad(cluster: ProcessCluster, via: string, writers: number): { stop(): Promise<number> } {
  const kv = createKvClient(cluster.address(via));
  let running = true;
  let acknowledged = 0;
  const loops = Array.from({ length: writers }, async (_, w) => {
    for (let n = 0; running; n++) {
      try {
        await kv.put({ key: utf8(`load-${w}-${n}`), value: utf8(`v${n}`) }, { timeoutMs: 3_000 });
        acknowledged++;
      } catch {
        await sleep(20);
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      kv.close();
      return acknowledged;
    },
  };
}

/** Bootstrap and Phase 1 on `leader`, then Phase 2 while `writers` puts stay in flight; the Phase-2 result or its error. */
async function phase2UnderLoad(
  cluster: ProcessCluster,
  leader: string,
  kekPath: string,
  writers: number,
): Promise<{ cutover?: number; error?: unknown; acknowledged: number }> {
  await bootstrapEncryption(cluster, leader, kekPath);
  await enableStorageEnvelope(cluster, leader);
  const load = startLoad(cluster, leader, writers);
  await sleep(500);
  let outcome: { cutover?: number; error?: unknown };
  try {
    outcome = { cutover: Number((await enableRaftEnvelope(cluster, leader)).appliedIndex) };
  } catch (error) {
    outcome = { error };
  }
  await sleep(500);
  return { ...outcome, acknowledged: await load.stop() };
}

/** Stops every node gracefully and starts them again. */
async function restartAll(cluster: ProcessCluster): Promise<void> {
  for (const id of cluster.ids()) await cluster.kill(id, 'SIGTERM');
  await cluster.startAll();
}

describe('catalogued bugs of the Phase-2 data path (B3, B4, B6)', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('control: without a switch Phase 2 under load, a later write and a restart of every node all succeed', async () => {
    const started = await startEncryptedCluster({ commonFlags: ['--no-exit-on-halt'] });
    cluster = started.cluster;
    const run = await phase2UnderLoad(cluster, started.leader, started.kekPath, 8);
    expect(run.error).toBeUndefined();
    expect(run.acknowledged).toBeGreaterThan(20);
    expect(await putWithRetry(cluster, started.leader, 'after', 'phase-2')).toBe(true);
    await restartAll(cluster);
    const leader = await cluster.waitForLeader();
    expect(await putWithRetry(cluster, leader, 'after-restart', 'ok')).toBe(true);
    expect(text((await cluster.kv(leader).get({ key: utf8('after') })).value)).toBe('phase-2');
    for (const id of cluster.ids()) {
      expect((await cluster.status(id)).halted, `${id} halted`).toBe(false);
      expect(await raftCutoverOf(cluster, id)).toBe(run.cutover);
    }
  }, 90_000);

  it('B3: wrapping the whole proposal envelope — the first write after Phase 2 gets no answer and every replica halts above the cutover', async () => {
    const started = await startEncryptedCluster({ commonFlags: ['--no-exit-on-halt', '--bug', 'B3'] });
    cluster = started.cluster;
    await bootstrapEncryption(cluster, started.leader, started.kekPath);
    await enableStorageEnvelope(cluster, started.leader);
    // Phase 2 itself succeeds: the marker is the one entry that is never wrapped.
    const cutover = Number((await enableRaftEnvelope(cluster, started.leader)).appliedIndex);
    // Unanswered: halted while pending, or refused if a wrapped lease renewal halted the leader first.
    const write = await cluster
      .kv(started.leader)
      .put({ key: utf8('after'), value: utf8('phase-2') }, { timeoutMs: 8_000 })
      .then(
        () => 'ok',
        (error: unknown) => classifyError(error).spec.name,
      );
    expect(['HaltedWhilePending', 'ProposalTimeout', 'NodeHalted']).toContain(write);
    const haltIndex = await expectClusterHaltedOnUnwrap(cluster);
    expect(haltIndex).toBeGreaterThan(cutover);
  }, 60_000);

  it('B4: `>=` at the cutover — Phase 2 completes, but replaying the marker after a restart halts every replica exactly at the cutover', async () => {
    const started = await startEncryptedCluster({ commonFlags: ['--no-exit-on-halt', '--bug', 'B4'] });
    cluster = started.cluster;
    await bootstrapEncryption(cluster, started.leader, started.kekPath);
    await enableStorageEnvelope(cluster, started.leader);
    const cutover = Number((await enableRaftEnvelope(cluster, started.leader)).appliedIndex);
    // In the running process the marker applied while the cutover was still 0.
    expect(await putWithRetry(cluster, started.leader, 'after', 'phase-2')).toBe(true);
    await restartAll(cluster);
    expect(await expectClusterHaltedOnUnwrap(cluster)).toBe(cutover);
  }, 60_000);

  it('B6: no barrier — Phase 2 under a high write rate lets cleartext proposals land above the cutover and every replica halts', async () => {
    const started = await startEncryptedCluster({ commonFlags: ['--no-exit-on-halt', '--bug', 'B6'] });
    cluster = started.cluster;
    await phase2UnderLoad(cluster, started.leader, started.kekPath, 8);
    const haltIndex = await expectClusterHaltedOnUnwrap(cluster);
    // The marker itself applied (the cutover is set everywhere); what halted is an entry above it.
    const cutover = await raftCutoverOf(cluster, started.leader);
    expect(cutover).toBeGreaterThan(0);
    expect(haltIndex).toBeGreaterThan(cutover);
  }, 60_000);
});
