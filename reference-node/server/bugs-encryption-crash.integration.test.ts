/**
 * Catalogued bugs B1 and B15 (bug-catalogue.md §10.B) on a real node: a
 * kill -9 inside an encryption apply (the `--test-kill-point` hook makes the
 * instant deterministic), then a restart. With the switch the catalogued
 * symptom follows (B1: a halt on every restart; B15: a boot refusal with
 * ErrLocalEpochRollback on every restart); the same crash without the switch
 * heals on restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateWrappedDek, loadKekFile, readSidecar } from '../encryption/index.js';
import {
  bootstrapEncryption,
  enableStorageEnvelope,
  encryptionFlags,
  sidecarPathOf,
  text,
  utf8,
  waitForHalt,
  writeKek,
} from './test/encryption-cluster.js';
import { ProcessCluster } from './test/process-cluster.js';

/** A one-node encrypted cluster, not started; `flags` stay on every start. */
async function singleNode(flags: readonly string[]): Promise<{ cluster: ProcessCluster; kekPath: string }> {
  const cluster = await ProcessCluster.create(['n1'], 1, ['--tick-ms', '20']);
  const kekPath = writeKek(cluster);
  cluster.addFlags('n1', [...encryptionFlags(cluster, 'n1', kekPath), '--test-hooks', ...flags]);
  return { cluster, kekPath };
}

/** Runs `call` against a node armed to SIGKILL itself inside the apply; asserts the call failed and the process died by the signal. */
async function crashDuring(cluster: ProcessCluster, call: () => Promise<unknown>): Promise<void> {
  const outcome = await call().then(
    () => 'answered',
    (error: unknown) => String(error),
  );
  expect(outcome, 'the RPC must not be answered: the node dies inside the apply').not.toBe('answered');
  expect(await cluster.exited('n1'), 'killed by SIGKILL (no exit code)').toBeNull();
}

async function putThenGet(cluster: ProcessCluster, key: string, value: string): Promise<string> {
  await cluster.kv('n1').put({ key: utf8(key), value: utf8(value) });
  return text((await cluster.kv('n1').get({ key: utf8(key) })).value);
}

describe('B1: equal-epoch registration replay treated as a rollback', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  /** Bootstrap applies (sidecar + rows durable), kill -9 before its applied index persists, restart: the bootstrap replays. */
  async function crashAfterBootstrap(bugFlags: readonly string[]): Promise<ProcessCluster> {
    const started = await singleNode(['--no-exit-on-halt', ...bugFlags]);
    cluster = started.cluster;
    await cluster.start('n1', ['--test-kill-point', 'after-bootstrap-apply']);
    await cluster.waitForLeader();
    await crashDuring(cluster, () => bootstrapEncryption(started.cluster, 'n1', started.kekPath));
    const sidecar = await readSidecar(sidecarPathOf(cluster, 'n1'));
    expect(sidecar?.active, 'the bootstrap applied before the crash').toEqual({ storage: 1, raft: 2 });
    await cluster.start('n1');
    return cluster;
  }

  it('with --bug B1 the replayed bootstrap batch (epoch == last_seen) halts, and halts again after every restart', async () => {
    const c = await crashAfterBootstrap(['--bug', 'B1']);
    const reason = await waitForHalt(c, 'n1');
    expect(reason).toMatch(/registry rollback: local_epoch 0 .* below last_seen 0/);
    const haltIndex = (await c.status('n1')).haltIndex;
    await c.kill('n1', 'SIGTERM');
    await c.start('n1');
    expect(await waitForHalt(c, 'n1')).toMatch(/registry rollback/);
    expect((await c.status('n1')).haltIndex).toBe(haltIndex);
  }, 60_000);

  it('without the switch the same crash replays the bootstrap as a no-op and the node serves', async () => {
    const c = await crashAfterBootstrap([]);
    await c.waitForLeader();
    expect((await c.status('n1')).halted).toBe(false);
    expect(await putThenGet(c, 'after-crash', 'served')).toBe('served');
    expect(await c.encryption('n1').getSidecarState({})).toMatchObject({ activeStorageId: 1, activeRaftId: 2 });
  }, 60_000);
});

describe('B15: enable-storage-envelope flips the sidecar before the proposer registration', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  /**
   * Bootstrap with a writer batch that leaves the node out (a phantom writer),
   * so Phase 1's proposer row is the node's only row; kill -9 right after the
   * flip is durable, then restart.
   */
  async function crashAfterFlip(
    bugFlags: readonly string[],
  ): Promise<{ cluster: ProcessCluster; restart: () => Promise<string> }> {
    const started = await singleNode(bugFlags);
    const c = started.cluster;
    cluster = c;
    await c.start('n1', ['--test-kill-point', 'after-storage-cutover-flip']);
    await c.waitForLeader();
    const kek = await loadKekFile(started.kekPath);
    await c.encryption('n1').bootstrapEncryption({
      wrappedStorageDek: Buffer.from(generateWrappedDek(kek).wrapped),
      wrappedRaftDek: Buffer.from(generateWrappedDek(kek).wrapped),
      storageDekId: 1,
      raftDekId: 2,
      writerBatch: [{ fullNodeId: '4660', localEpoch: 0 }],
    });
    await crashDuring(c, () => enableStorageEnvelope(c, 'n1'));
    expect((await readSidecar(sidecarPathOf(c, 'n1')))?.storageEnvelopeActive, 'the flip is durable').toBe(true);
    return {
      cluster: c,
      restart: () =>
        c.start('n1').then(
          () => 'started',
          (error: unknown) => String(error),
        ),
    };
  }

  it('with --bug B15 the proposer row is lost for good: every restart refuses with ErrLocalEpochRollback', async () => {
    const { cluster: c, restart } = await crashAfterFlip(['--bug', 'B15']);
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await restart();
      expect(outcome).toMatch(/ErrLocalEpochRollback/);
      expect(outcome).toMatch(/no registry row while the storage envelope is active/);
      expect(await c.exited('n1')).not.toBe(0);
    }
  }, 60_000);

  it('without the switch the row precedes the flip, so the same crash restarts and serves', async () => {
    const { cluster: c, restart } = await crashAfterFlip([]);
    expect(await restart()).toBe('started');
    await c.waitForLeader();
    expect(await putThenGet(c, 'after-crash', 'encrypted')).toBe('encrypted');
    expect(await c.encryption('n1').getSidecarState({})).toMatchObject({
      activeStorageId: 1,
      storageEnvelopeActive: true,
    });
  }, 60_000);
});
