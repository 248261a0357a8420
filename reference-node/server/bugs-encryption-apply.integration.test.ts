/**
 * Catalogued bugs B13, B16, B17 (bug-catalogue.md §10.B): cutover-marker
 * apply deviations on real nodes. B16 halts every replica on a valid Phase-1
 * marker; B17 halts on a stale-DEK marker (the loser of a RotateDEK race,
 * proposed raw through the test hook) that the correct node treats as a
 * benign no-op; B13 loses the raft wrap when a node restarts after Phase 2
 * and a raft rotation, so its first proposal halts it. Each with a control.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ROTATION_SUBTAG, encodeRotationEntry, readSidecar } from '../encryption/index.js';
import { inspectDataDir } from '../inspect/index.js';
import {
  bootstrapEncryption,
  enableStorageEnvelope,
  putWithRetry,
  rolloutToPhase2,
  rotateDekWithCli,
  sidecarPathOf,
  startEncryptedCluster,
  text,
  utf8,
  waitForHalt,
} from './test/encryption-cluster.js';
import type { ProcessCluster } from './test/process-cluster.js';

describe('cutover-marker apply bugs', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('B16: the `wrapped == nil` check makes a valid Phase-1 marker halt every replica at the same index', async () => {
    const started = await startEncryptedCluster({ commonFlags: ['--no-exit-on-halt', '--bug', 'B16'] });
    const c = started.cluster;
    cluster = c;
    await bootstrapEncryption(c, started.leader, started.kekPath);
    // The marker never applies, so the RPC gets no answer; its outcome is not the point, the halts are.
    const phase1 = enableStorageEnvelope(c, started.leader).then(
      () => 'answered',
      () => 'failed',
    );
    for (const id of c.ids())
      expect(await waitForHalt(c, id), `${id}'s halt`).toMatch(
        /enable-storage-envelope carries 0 wrapped bytes, want none/,
      );
    const indexes = await Promise.all(c.ids().map(async (id) => (await c.status(id)).haltIndex));
    expect(new Set(indexes).size).toBe(1);
    expect(await phase1).toBe('failed');
  }, 60_000);

  /**
   * Bootstrap (storage DEK 1), rotate the storage DEK, then commit an
   * enable-storage-envelope marker that still names DEK 1 — what the losing
   * side of a concurrent RotateDEK / EnableStorageEnvelope proposes.
   */
  async function staleStorageMarker(
    bugFlags: readonly string[],
  ): Promise<{ cluster: ProcessCluster; outcome: Promise<string>; newDekId: number }> {
    const started = await startEncryptedCluster({
      ids: ['n1'],
      commonFlags: ['--test-hooks', '--no-exit-on-halt', ...bugFlags],
    });
    cluster = started.cluster;
    await bootstrapEncryption(started.cluster, 'n1', started.kekPath);
    const { newDekId } = await rotateDekWithCli(started.cluster, 'n1', started.kekPath, 'storage');
    const me = BigInt((await started.cluster.encryption('n1').getCapability({})).fullNodeId);
    const stale = encodeRotationEntry({
      subtag: ROTATION_SUBTAG.enableStorageEnvelope,
      dekId: 1,
      purpose: 'storage',
      wrapped: new Uint8Array(0),
      proposer: { dekId: 1, fullNodeId: me, localEpoch: 0 },
    });
    const outcome = started.cluster
      .admin('n1')
      .debugProposeRaw({ payload: stale }, { timeoutMs: 10_000 })
      .then(
        () => 'applied',
        (error: unknown) => String(error),
      );
    return { cluster: started.cluster, outcome, newDekId };
  }

  it('B17: a stale-DEK storage marker halts instead of being a benign no-op', async () => {
    const { cluster: c, newDekId } = await staleStorageMarker(['--bug', 'B17']);
    expect(await waitForHalt(c, 'n1')).toMatch(
      new RegExp(`enable-storage-envelope names DEK 1 but the active DEK is ${newDekId}`),
    );
  }, 60_000);

  it('control for B17: without the switch the stale marker is a no-op and the real Phase 1 (current DEK) then succeeds', async () => {
    const { cluster: c, outcome, newDekId } = await staleStorageMarker([]);
    expect(await outcome).toBe('applied');
    expect((await c.status('n1')).halted).toBe(false);
    expect((await readSidecar(sidecarPathOf(c, 'n1')))?.storageEnvelopeActive, 'the stale marker did not flip').toBe(
      false,
    );
    expect((await enableStorageEnvelope(c, 'n1')).wasAlreadyActive).toBe(false);
    expect(await c.encryption('n1').getSidecarState({})).toMatchObject({
      activeStorageId: newDekId,
      storageEnvelopeActive: true,
    });
  }, 60_000);

  /** Phase 2, a raft DEK rotation, writes, then a restart while the log still holds the marker (snapshots every 10,000 entries). */
  async function restartAfterRaftRotation(bugFlags: readonly string[]): Promise<ProcessCluster> {
    const started = await startEncryptedCluster({ ids: ['n1'], commonFlags: ['--no-exit-on-halt', ...bugFlags] });
    const c = started.cluster;
    cluster = c;
    const cutover = await rolloutToPhase2(c, 'n1', started.kekPath);
    await rotateDekWithCli(c, 'n1', started.kekPath, 'raft');
    expect(await putWithRetry(c, 'n1', 'before-restart', 'v1')).toBe(true);
    await c.kill('n1', 'SIGTERM');
    const summary = await inspectDataDir(
      { dataDir: c.node('n1').dataDir, sidecarPath: sidecarPathOf(c, 'n1') },
      () => undefined,
    );
    expect(summary.firstIndex, 'no snapshot covers the marker').toBeLessThanOrEqual(cutover);
    await c.start('n1');
    return c;
  }

  it('B13: restarted after a raft rotation, the replayed marker takes the stale-DEK branch, no wrap is installed, and the first proposal halts', async () => {
    const c = await restartAfterRaftRotation(['--bug', 'B13']);
    // The node leads at once (one voter); its first proposal (registration, lease or this put) goes out cleartext above the cutover.
    await putWithRetry(c, 'n1', 'after-restart', 'v2', 5).catch(() => false);
    expect(await waitForHalt(c, 'n1')).toMatch(/ErrRaftUnwrapFailed/);
  }, 60_000);

  it('control for B13: without the switch the same restart wraps with the rotated raft DEK and keeps serving', async () => {
    const c = await restartAfterRaftRotation([]);
    expect(await putWithRetry(c, 'n1', 'after-restart', 'v2')).toBe(true);
    expect(text((await c.kv('n1').get({ key: utf8('before-restart') })).value)).toBe('v1');
    expect((await c.status('n1')).halted).toBe(false);
  }, 60_000);
});
