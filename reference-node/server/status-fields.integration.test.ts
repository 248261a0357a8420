/**
 * The fields the harness's status sampler reads, on a real encrypted
 * cluster: Status `snapshot_format` ('' → v1 before the raft cutover → v2
 * after it, kept across a restart), GetSidecarState `sidecar_version` and
 * `local_epochs` (bumped by a restart), and the consistency promise of
 * GetSidecarState: sampled on every node throughout the rollout, answers at
 * the same `latest_applied_index` agree on every replicated field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarStateReport } from '../proto/index.js';
import { putWithRetry, rolloutToPhase2, startEncryptedCluster } from './test/encryption-cluster.js';
import { waitFor, type ProcessCluster } from './test/process-cluster.js';

/** The replicated part of a GetSidecarState answer (local epochs and wrapped bytes are per node). */
function replicated(report: SidecarStateReport): string {
  return JSON.stringify({
    keyIds: Object.keys(report.wrappedDeksById).sort(),
    activeStorageId: report.activeStorageId,
    activeRaftId: report.activeRaftId,
    storageEnvelopeActive: report.storageEnvelopeActive,
    storageEnvelopeCutoverIndex: report.storageEnvelopeCutoverIndex,
    raftEnvelopeCutoverIndex: report.raftEnvelopeCutoverIndex,
    sidecarVersion: report.sidecarVersion,
  });
}

/** Samples GetSidecarState on every node as fast as it answers, until stopped. */
function sampleSidecars(cluster: ProcessCluster): { stop(): Promise<Map<string, Map<string, string>>> } {
  // latest_applied_index → node → replicated fields.
  const byIndex = new Map<string, Map<string, string>>();
  let running = true;
  const sampler = async (id: string): Promise<void> => {
    const client = cluster.encryption(id);
    while (running) {
      const report = await client.getSidecarState({}, { timeoutMs: 2_000 }).catch(() => undefined);
      if (report === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const atIndex = byIndex.get(report.latestAppliedIndex) ?? new Map<string, string>();
      byIndex.set(report.latestAppliedIndex, atIndex);
      const seen = atIndex.get(id);
      // One node at one index must also agree with itself.
      if (seen !== undefined && seen !== replicated(report))
        throw new Error(
          `${id} answered two states at index ${report.latestAppliedIndex}: ${seen} / ${replicated(report)}`,
        );
      atIndex.set(id, replicated(report));
    }
  };
  const samplers = cluster.ids().map(sampler);
  return {
    async stop() {
      running = false;
      await Promise.all(samplers);
      return byIndex;
    },
  };
}

async function snapshotFormats(cluster: ProcessCluster): Promise<string[]> {
  return Promise.all(cluster.ids().map(async (id) => (await cluster.status(id)).snapshotFormat));
}

/** Writes until every node took a snapshot after `afterIndex` (each node snapshots every 20 applied entries). */
async function snapshotEverywhere(
  cluster: ProcessCluster,
  leader: string,
  prefix: string,
  afterIndex: number,
): Promise<void> {
  let n = 0;
  await waitFor(`a snapshot above ${afterIndex} on every node`, 30_000, async () => {
    for (let i = 0; i < 10; i++) await putWithRetry(cluster, leader, `${prefix}-${n++}`, 'x');
    const statuses = await Promise.all(cluster.ids().map((id) => cluster.status(id)));
    return statuses.every((s) => s.snapshotIndex > afterIndex) ? true : undefined;
  });
}

describe('status fields of the rollout', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('snapshot_format, sidecar_version and local_epochs move as the rollout goes; same applied index, same sidecar state', async () => {
    // Entries are kept well behind each snapshot: a restart refuses (ErrSidecarBehindRaftLog, fail closed) when the
    // log was compacted past the sidecar's last encryption entry — a startup guard this test does not exercise.
    const started = await startEncryptedCluster({
      commonFlags: ['--snapshot-entries', '20', '--snapshot-keep-entries', '200'],
    });
    cluster = started.cluster;
    const { leader } = started;
    expect(await snapshotFormats(cluster)).toEqual(['', '', '']);
    const before = await cluster.encryption(leader).getSidecarState({});
    expect({ sidecarVersion: before.sidecarVersion, localEpochs: before.localEpochs }).toEqual({
      sidecarVersion: 0,
      localEpochs: {},
    });
    await snapshotEverywhere(cluster, leader, 'plain', 0);
    expect(await snapshotFormats(cluster)).toEqual(['v1', 'v1', 'v1']);

    const sampling = sampleSidecars(cluster);
    let cutover: number;
    try {
      cutover = await rolloutToPhase2(cluster, leader, started.kekPath);
    } finally {
      // Stopped on every path: a failed rollout must not leave the samplers polling dead nodes.
      await sampling.stop().catch(() => undefined);
    }
    const byIndex = await sampling.stop();
    const compared = [...byIndex.values()].filter((nodes) => nodes.size > 1);
    expect(compared.length, 'indexes sampled on more than one node').toBeGreaterThan(0);
    for (const [index, nodes] of byIndex)
      expect(
        new Set(nodes.values()).size,
        `sidecar states at applied index ${index}: ${[...nodes.values()].join(' | ')}`,
      ).toBe(1);

    const phase2 = await Promise.all(cluster.ids().map((id) => cluster!.encryption(id).getSidecarState({})));
    for (const report of phase2) {
      expect(report.sidecarVersion).toBe(2);
      expect(Object.keys(report.localEpochs).sort()).toEqual(['1', '2']);
    }
    await snapshotEverywhere(cluster, leader, 'wrapped', cutover);
    expect(await snapshotFormats(cluster)).toEqual(['v2', 'v2', 'v2']);

    // A restart keeps the newest snapshot's format (read from disk) and bumps the node's local epochs.
    const restarted = cluster.ids().find((id) => id !== leader)!;
    const epochsBefore = phase2[cluster.ids().indexOf(restarted)]!.localEpochs;
    await cluster.kill(restarted, 'SIGTERM');
    await cluster.start(restarted);
    expect((await cluster.status(restarted)).snapshotFormat).toBe('v2');
    const epochsAfter = (await cluster.encryption(restarted).getSidecarState({})).localEpochs;
    for (const id of ['1', '2']) expect(epochsAfter[id]).toBe(epochsBefore[id]! + 1);
  }, 120_000);
});
