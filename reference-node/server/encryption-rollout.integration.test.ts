/**
 * The whole encryption rollout on a real 3-node cluster, with client writes
 * of random canaries running throughout: bootstrap → Phase 1 → Phase 2 →
 * rotate the storage DEK and the raft DEK (with `ekv-admin`) → restart every
 * node. Afterwards every node reports the same active ids, cutover indexes
 * and writer registry; every acknowledged value reads back through every
 * node; and the offline inspection of each stopped node shows every value
 * written after the storage cutover only as a storage envelope (state bits
 * 01, a storage DEK, never its bytes), every proposal above the raft cutover
 * wrapped (and opening under the sidecar's DEKs), and no (key id, nonce)
 * used twice. The startup guards have their own file
 * (startup-guards.integration.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  InspectRecord,
  MvccRecord,
  RaftEntryRecord,
  RegistryRecord,
  SidecarRecord,
  SummaryRecord,
} from '../proto/index.js';
import {
  bootstrapEncryption,
  bytesOnDisk,
  canary,
  enableRaftEnvelope,
  enableStorageEnvelope,
  inspectNode,
  putWithRetry,
  rotateDekWithCli,
  runAdmin,
  startBackgroundWriter,
  startEncryptedCluster,
  text,
  utf8,
  waitForRegistration,
  type BackgroundWrite,
} from './test/encryption-cluster.js';
import { waitFor, type ProcessCluster } from './test/process-cluster.js';

/** GetSidecarState fields every node must agree on. */
interface SidecarAgreement {
  readonly activeStorageId: number;
  readonly activeRaftId: number;
  readonly storageEnvelopeActive: boolean;
  readonly storageEnvelopeCutoverIndex: string;
  readonly raftEnvelopeCutoverIndex: string;
}

/** What happened when, as the test saw it (wall clock right after each RPC returned). */
interface Timeline {
  readonly storageCutoverAtMs: number;
  readonly storageCutoverIndex: number;
  readonly raftCutoverAtMs: number;
  readonly raftCutoverIndex: number;
  readonly storageRotatedAtMs: number;
  readonly storageDekIds: readonly number[];
  readonly newStorageDekId: number;
  readonly raftDekIds: readonly number[];
  readonly newRaftDekId: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until every node has applied everything the leader committed (so each store holds every write). */
async function waitForConvergence(cluster: ProcessCluster): Promise<void> {
  await waitFor("every node to apply the leader's commit index", 30_000, async () => {
    const statuses = await Promise.all(cluster.ids().map((id) => cluster.status(id)));
    const commit = Math.max(...statuses.map((s) => s.commitIndex));
    return statuses.every((s) => s.appliedIndex >= commit && !s.halted) ? true : undefined;
  });
}

/** Every acknowledged write reads back, through every node (linearizable reads). */
async function expectReadBack(cluster: ProcessCluster, writes: readonly BackgroundWrite[]): Promise<void> {
  for (const reader of cluster.ids()) {
    const kv = cluster.kv(reader);
    for (let i = 0; i < writes.length; i += 25) {
      await Promise.all(
        writes
          .slice(i, i + 25)
          .filter((w) => w.acknowledged)
          .map(async (write) => {
            const got = await kv.get({ key: utf8(write.key) });
            expect(got.found, `${write.key} via ${reader}`).toBe(true);
            expect(text(got.value), `${write.key} via ${reader}`).toBe(write.value);
          }),
      );
    }
  }
}

function unique(pairs: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const pair of pairs) {
    expect(seen.has(pair), `${what} ${pair} used twice`).toBe(false);
    seen.add(pair);
  }
}

/** Raft-log checks of one node's inspection. */
function expectRaftLogWrapped(id: string, records: readonly InspectRecord[], timeline: Timeline): void {
  const summary = records.at(-1) as SummaryRecord;
  expect(summary.kind).toBe('summary');
  expect(summary.raftCutoverIndex, id).toBe(timeline.raftCutoverIndex);
  expect(summary.cleartextProposalsAboveCutover, `${id}: cleartext proposals above the raft cutover`).toBe(0);
  const entries = records.filter((r): r is RaftEntryRecord => r.kind === 'raft-entry');
  const above = entries.filter((e) => e.index > timeline.raftCutoverIndex && e.proposalId !== null);
  expect(above.length, `${id}: proposals above the cutover`).toBeGreaterThan(10);
  for (const entry of above) {
    expect(entry, `${id} entry ${entry.index}`).toMatchObject({ wrapped: true, unwrapped: true });
    expect(timeline.raftDekIds).toContain(entry.envelope?.keyId);
  }
  // The newest proposals (written after the restart) use the rotated raft DEK.
  expect(above.at(-1)?.envelope?.keyId, `${id}: newest wrapped entry`).toBe(timeline.newRaftDekId);
  expect(
    entries.find((e) => e.index === timeline.raftCutoverIndex),
    `${id}: the cutover marker`,
  ).toMatchObject({ wrapped: false, subtag: 'enable-raft-envelope' });
  unique(
    above.map((e) => `${e.envelope?.keyId}/${e.envelope?.nonceHex}`),
    `${id}: raft (key id, nonce)`,
  );
}

/** MVCC checks of one node's inspection: values written after the storage cutover exist only as envelopes. */
function expectStoreEncrypted(
  id: string,
  records: readonly InspectRecord[],
  writes: readonly BackgroundWrite[],
  timeline: Timeline,
): void {
  const store = new Map<string, MvccRecord>();
  for (const record of records)
    if (record.kind === 'mvcc' && record.source === 'store' && record.key !== null) store.set(record.key, record);
  const encryptedWrites = writes.filter((w) => w.invokedAtMs > timeline.storageCutoverAtMs);
  expect(encryptedWrites.length).toBeGreaterThan(20);
  for (const write of encryptedWrites) {
    const record = store.get(write.key);
    if (write.acknowledged) expect(record, `${id} holds ${write.key}`).toBeDefined();
    if (record === undefined) continue;
    expect(record, `${id} ${write.key}`).toMatchObject({ encryptionState: 'envelope', stateBits: 1, tombstone: false });
    expect(record).not.toHaveProperty('value');
    expect(timeline.storageDekIds).toContain(record.envelope?.keyId);
    if (write.invokedAtMs > timeline.storageRotatedAtMs)
      expect(record.envelope?.keyId, `${id} ${write.key} after the rotation`).toBe(timeline.newStorageDekId);
  }
  const envelopes = [...store.values()].filter((r) => r.envelope !== undefined);
  unique(
    envelopes.map((r) => `${r.envelope?.keyId}/${r.envelope?.nonceHex}`),
    `${id}: storage (key id, nonce)`,
  );
  // The inspection printed cleartext values (--values), yet none written after the storage cutover.
  const printed = JSON.stringify(records);
  for (const write of encryptedWrites)
    expect(printed.includes(write.value), `${id} printed ${write.key} in cleartext`).toBe(false);
}

/** Bootstrap → Phase 1 → Phase 2 → both rotations, each on the current leader, with pauses for writes in between. */
async function rollOut(cluster: ProcessCluster, kekPath: string): Promise<Timeline> {
  const pause = (): Promise<void> => sleep(400);
  await bootstrapEncryption(cluster, await cluster.waitForLeader(), kekPath);
  await pause();
  const phase1 = await enableStorageEnvelope(cluster, await cluster.waitForLeader());
  const storageCutoverAtMs = Date.now();
  expect(phase1).toMatchObject({ wasAlreadyActive: false });
  expect(phase1.capabilitySummary).toHaveLength(3);
  await pause();
  const phase2 = await enableRaftEnvelope(cluster, await cluster.waitForLeader());
  const raftCutoverAtMs = Date.now();
  expect(phase2.wasAlreadyActive).toBe(false);
  await pause();
  const storage = await rotateDekWithCli(cluster, await cluster.waitForLeader(), kekPath, 'storage');
  const storageRotatedAtMs = Date.now();
  // Every node registers for a new DEK before any restart (a node restarted without its row refuses to start).
  await waitForRegistration(cluster, storage.newDekId);
  const raft = await rotateDekWithCli(cluster, await cluster.waitForLeader(), kekPath, 'raft');
  await waitForRegistration(cluster, raft.newDekId);
  // A retried Enable answers OK with the original index.
  expect(await enableRaftEnvelope(cluster, await cluster.waitForLeader())).toMatchObject({
    wasAlreadyActive: true,
    appliedIndex: phase2.appliedIndex,
  });
  return {
    storageCutoverAtMs,
    storageCutoverIndex: Number(phase1.appliedIndex),
    raftCutoverAtMs,
    raftCutoverIndex: Number(phase2.appliedIndex),
    storageRotatedAtMs,
    storageDekIds: [1, storage.newDekId],
    newStorageDekId: storage.newDekId,
    raftDekIds: [2, raft.newDekId],
    newRaftDekId: raft.newDekId,
  };
}

/** Every node reports the same sidecar state, the expected one. */
async function expectSidecarsAgree(cluster: ProcessCluster, timeline: Timeline): Promise<void> {
  const states = await Promise.all(cluster.ids().map((id) => cluster.encryption(id).getSidecarState({})));
  const pick = (s: SidecarAgreement): SidecarAgreement => ({
    activeStorageId: s.activeStorageId,
    activeRaftId: s.activeRaftId,
    storageEnvelopeActive: s.storageEnvelopeActive,
    storageEnvelopeCutoverIndex: s.storageEnvelopeCutoverIndex,
    raftEnvelopeCutoverIndex: s.raftEnvelopeCutoverIndex,
  });
  for (const state of states) expect(pick(state)).toEqual(pick(states[0]!));
  expect(pick(states[0]!)).toMatchObject({
    activeStorageId: timeline.newStorageDekId,
    activeRaftId: timeline.newRaftDekId,
    storageEnvelopeActive: true,
    storageEnvelopeCutoverIndex: String(timeline.storageCutoverIndex),
    raftEnvelopeCutoverIndex: String(timeline.raftCutoverIndex),
  });
  // The operator's view (`ekv-admin encryption status`) says the same.
  const status = await runAdmin(['--addr', cluster.address(cluster.ids()[2]!), 'encryption', 'status', '--json']);
  const report = JSON.parse(status.stdout) as {
    registrySource: string;
    writerRegistryForCaller: Record<string, number>;
  };
  expect(report).toMatchObject({
    keyIds: [1, 2, 3, 4],
    activeStorageId: timeline.newStorageDekId,
    activeRaftId: timeline.newRaftDekId,
    storageEnvelopeActive: true,
    storageEnvelopeCutoverIndex: String(timeline.storageCutoverIndex),
    raftEnvelopeCutoverIndex: String(timeline.raftCutoverIndex),
  });
  // The node's own registry rows, from the leader when it follows: registered for the active DEKs.
  expect(report.registrySource).toMatch(/^(node|leader 127\.0\.0\.1:\d+)$/);
  expect(Object.keys(report.writerRegistryForCaller)).toEqual(
    expect.arrayContaining([String(timeline.newStorageDekId), String(timeline.newRaftDekId)]),
  );
}

describe('encryption rollout on a 3-node cluster', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('bootstrap → Phase 1 → Phase 2 → rotate both DEKs → restart every node, under writes: states agree, values read back, nothing in cleartext after the cutovers', async () => {
    const started = await startEncryptedCluster();
    cluster = started.cluster;
    const phase0Value = canary();
    expect(await putWithRetry(cluster, started.leader, 'phase0', phase0Value)).toBe(true);

    const writer = startBackgroundWriter(cluster, 'rollout');
    await sleep(300);
    // The writer is stopped on every path, so a failed step does not leave it running.
    const timeline = await rollOut(cluster, started.kekPath).catch(async (error: unknown) => {
      await writer.stop();
      throw error;
    });
    const rolloutWrites = await writer.stop();

    await Promise.all(cluster.ids().map((id) => cluster!.kill(id, 'SIGTERM')));
    await cluster.startAll();
    await cluster.waitForLeader();
    const afterRestart = startBackgroundWriter(cluster, 'restarted');
    await sleep(1_500);
    const restartWrites = await afterRestart.stop();
    expect(restartWrites.filter((w) => w.acknowledged).length, 'writes after the restart').toBeGreaterThan(0);
    const writes = [...rolloutWrites, ...restartWrites];

    await expectReadBack(cluster, writes);
    await expectSidecarsAgree(cluster, timeline);
    await waitForConvergence(cluster);
    await Promise.all(cluster.ids().map((id) => cluster!.kill(id, 'SIGTERM')));

    const registries: RegistryRecord[][] = [];
    const sidecars: SidecarRecord[] = [];
    for (const id of cluster.ids()) {
      const records = await inspectNode(cluster, id, { kekPath: started.kekPath, values: true });
      expectRaftLogWrapped(id, records, timeline);
      expectStoreEncrypted(id, records, writes, timeline);
      // The check can see cleartext: the Phase-0 value is a cleartext record, and on disk.
      expect(records.find((r) => r.kind === 'mvcc' && r.key === 'phase0' && r.source === 'store')).toMatchObject({
        encryptionState: 'cleartext',
        value: phase0Value,
      });
      expect(bytesOnDisk(cluster.node(id).dataDir, phase0Value)).toBe(true);
      // A value written after Phase 2 is in neither the Raft log nor the store in cleartext.
      for (const write of writes.filter((w) => w.invokedAtMs > timeline.raftCutoverAtMs).slice(0, 20)) {
        expect(bytesOnDisk(cluster.node(id).dataDir, write.value), `${id} holds ${write.key} in cleartext`).toBe(false);
      }
      registries.push(records.filter((r): r is RegistryRecord => r.kind === 'registry' && r.source === 'store'));
      sidecars.push(records[0] as SidecarRecord);
    }
    // Both cutover indexes (the storage one is not in GetSidecarState) and the key set agree on every sidecar.
    const agreed = (s: SidecarRecord): unknown =>
      'keys' in s
        ? {
            storageEnvelopeActive: s.storageEnvelopeActive,
            storageEnvelopeCutoverIndex: s.storageEnvelopeCutoverIndex,
            raftEnvelopeCutoverIndex: s.raftEnvelopeCutoverIndex,
            active: s.active,
            keys: s.keys.map((k) => [k.id, k.purpose]),
          }
        : s;
    for (const sidecar of sidecars) expect(agreed(sidecar)).toEqual(agreed(sidecars[0]!));
    expect(sidecars[0]).toMatchObject({
      storageEnvelopeCutoverIndex: timeline.storageCutoverIndex,
      raftEnvelopeCutoverIndex: timeline.raftCutoverIndex,
    });
    // The writer registry is replicated state: identical rows on every node, for every DEK.
    for (const rows of registries) expect(rows).toEqual(registries[0]);
    expect(new Set(registries[0]!.map((r) => r.dekId))).toEqual(
      new Set([...timeline.storageDekIds, ...timeline.raftDekIds]),
    );
  }, 120_000);
});
