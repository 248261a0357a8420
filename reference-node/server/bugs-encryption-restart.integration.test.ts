/**
 * Catalogued bugs B23, B25, B26, B27 (bug-catalogue.md §10.B) on a real
 * one-node cluster after Phase 1: each is a restart fault. Nonces are read
 * from the stopped node's store with the offline inspector (the same code as
 * `ekv-admin inspect`); a repeated (key id, nonce) pair is nonce reuse.
 * Each test also runs the fault without the switch: refused or harmless.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSidecar } from '../encryption/index.js';
import { inspectDataDir } from '../inspect/index.js';
import type { MvccRecord } from '../proto/index.js';
import {
  bootstrapEncryption,
  enableStorageEnvelope,
  encryptionFlags,
  putWithRetry,
  sidecarPathOf,
  text,
  utf8,
  writeKek,
} from './test/encryption-cluster.js';
import { ProcessCluster } from './test/process-cluster.js';

/** A started one-node cluster in Phase 1; the encryption flags are NOT permanent (B27 drops them), pass `flags` to every start. */
async function phase1Node(): Promise<{ cluster: ProcessCluster; flags: string[] }> {
  const cluster = await ProcessCluster.create(['n1'], 1, ['--tick-ms', '20']);
  const kekPath = writeKek(cluster);
  const flags = encryptionFlags(cluster, 'n1', kekPath);
  try {
    await cluster.start('n1', flags);
    await cluster.waitForLeader();
    await bootstrapEncryption(cluster, 'n1', kekPath);
    await enableStorageEnvelope(cluster, 'n1');
    return { cluster, flags };
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
}

async function putAll(cluster: ProcessCluster, keys: readonly string[]): Promise<void> {
  for (const key of keys) expect(await putWithRetry(cluster, 'n1', key, `value-of-${key}`), `put ${key}`).toBe(true);
}

/** Starts n1 with `flags`; 'started', or the startup error's text (the process then exited). */
async function tryStart(cluster: ProcessCluster, flags: readonly string[]): Promise<string> {
  return cluster.start('n1', flags).then(
    () => 'started',
    (error: unknown) => String(error),
  );
}

/** The live MVCC records of the stopped node, by user key. */
async function storeRecords(cluster: ProcessCluster): Promise<Map<string, MvccRecord>> {
  const records = new Map<string, MvccRecord>();
  await inspectDataDir({ dataDir: cluster.node('n1').dataDir, sidecarPath: sidecarPathOf(cluster, 'n1') }, (record) => {
    if (record.kind === 'mvcc' && record.source === 'store' && record.key !== null) records.set(record.key, record);
  });
  return records;
}

/** Groups of user keys whose envelopes share one (key id, nonce): nonce reuse under one DEK. */
function reusedNonces(records: ReadonlyMap<string, MvccRecord>): string[][] {
  const byNonce = new Map<string, string[]>();
  for (const [key, record] of records) {
    if (record.envelope === undefined) continue;
    const id = `${record.envelope.keyId}/${record.envelope.nonceHex}`;
    byNonce.set(id, [...(byNonce.get(id) ?? []), key]);
  }
  return [...byNonce.values()].filter((keys) => keys.length > 1);
}

const keysOf = (prefix: string): string[] => [1, 2, 3].map((n) => `${prefix}${n}`);

describe('restart faults after Phase 1', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('B25: with the epoch pinned to 0 every load restarts the nonce counter, so writes after a restart reuse nonces; without it none repeat', async () => {
    const started = await phase1Node();
    cluster = started.cluster;
    await putAll(cluster, keysOf('load1-'));
    await cluster.kill('n1', 'SIGTERM');
    expect(await tryStart(cluster, started.flags)).toBe('started');
    await putAll(cluster, keysOf('load2-'));
    await cluster.kill('n1', 'SIGTERM');
    expect(await tryStart(cluster, [...started.flags, '--bug', 'B25'])).toBe('started');
    await putAll(cluster, keysOf('load3-'));
    await cluster.kill('n1', 'SIGTERM');
    const records = await storeRecords(cluster);
    expect([...records.values()].filter((r) => r.encryptionState === 'envelope')).toHaveLength(9);
    const reused = reusedNonces(records);
    // Only the B25 load (epoch 0, like the first, runtime-bootstrapped load) repeats nonces, and only against load 1.
    expect(reused.length).toBeGreaterThan(0);
    for (const group of reused) expect(group.map((key) => key.split('-')[0]).sort()).toEqual(['load1', 'load3']);
  }, 60_000);

  it('B23: a sidecar restored from backup refuses with ErrLocalEpochRollback; with the guard disabled the node starts and reuses nonces', async () => {
    const started = await phase1Node();
    cluster = started.cluster;
    await putAll(cluster, ['before-backup']);
    await cluster.kill('n1', 'SIGTERM');
    const sidecar = sidecarPathOf(cluster, 'n1');
    const backup = join(cluster.dir, 'keys-backup.json');
    copyFileSync(sidecar, backup);
    // Load 2 bumps local_epoch 0 → 1 and registers it (the registry's last_seen becomes 1).
    expect(await tryStart(cluster, started.flags)).toBe('started');
    await cluster.waitForLeader();
    const capability = await cluster.encryption('n1').getCapability({});
    expect((await readSidecar(sidecar))?.keys.get(1)?.localEpoch, 'this load bumped the storage DEK epoch').toBe(1);
    // The startup watcher registers this epoch too; registering it here just makes "committed before the stop" certain.
    await cluster
      .encryption('n1')
      .registerEncryptionWriter({ dekId: 1, writers: [{ fullNodeId: capability.fullNodeId, localEpoch: 1 }] });
    await putAll(cluster, keysOf('load2-'));
    await cluster.kill('n1', 'SIGTERM');
    copyFileSync(backup, sidecar);
    const refused = await tryStart(cluster, started.flags);
    expect(refused).toMatch(/ErrLocalEpochRollback/);
    expect(refused).toMatch(/sidecar local_epoch 0 vs registry last_seen 1/);
    expect(await cluster.exited('n1')).not.toBe(0);
    // With B23 the stale sidecar bumps 0 → 1 again: load 3 emits the nonces of load 2.
    expect(await tryStart(cluster, [...started.flags, '--bug', 'B23'])).toBe('started');
    await putAll(cluster, keysOf('load3-'));
    await cluster.kill('n1', 'SIGTERM');
    const reused = reusedNonces(await storeRecords(cluster));
    expect(reused.length).toBeGreaterThan(0);
    for (const group of reused) expect(group.map((key) => key.split('-')[0]).sort()).toEqual(['load2', 'load3']);
  }, 60_000);

  it('B26: with the keystore not hydrated, an envelope written before the restart is unreadable (unknown key id); hydrated, it reads', async () => {
    const started = await phase1Node();
    cluster = started.cluster;
    await putAll(cluster, ['encrypted']);
    await cluster.kill('n1', 'SIGTERM');
    expect(await tryStart(cluster, [...started.flags, '--bug', 'B26'])).toBe('started');
    await cluster.waitForLeader();
    const failed = await cluster
      .kv('n1')
      .get({ key: utf8('encrypted') })
      .then(
        (got) => `read ${text(got.value)}`,
        (error: unknown) => String(error),
      );
    expect(failed).toMatch(/ErrUnknownKeyID: key id 1 is not loaded/);
    await cluster.kill('n1', 'SIGTERM');
    expect(await tryStart(cluster, started.flags)).toBe('started');
    await cluster.waitForLeader();
    expect(text((await cluster.kv('n1').get({ key: utf8('encrypted') })).value)).toBe('value-of-encrypted');
  }, 60_000);

  it('B27: restarted without --encryption-enabled the node refuses (ErrSidecarPresentWithoutFlag); with the guard off it starts and writes cleartext', async () => {
    const started = await phase1Node();
    cluster = started.cluster;
    await putAll(cluster, ['encrypted']);
    await cluster.kill('n1', 'SIGTERM');
    // The operator drops --encryption-enabled (and the KEK); the sidecar path stays configured.
    const downgraded = ['--sidecar-path', sidecarPathOf(cluster, 'n1')];
    const refused = await tryStart(cluster, downgraded);
    expect(refused).toMatch(/ErrSidecarPresentWithoutFlag/);
    expect(await cluster.exited('n1')).not.toBe(0);
    expect(await tryStart(cluster, [...downgraded, '--bug', 'B27'])).toBe('started');
    await cluster.waitForLeader();
    await putAll(cluster, ['after-downgrade']);
    const old = await cluster
      .kv('n1')
      .get({ key: utf8('encrypted') })
      .then(
        (got) => (got.found ? text(got.value) : 'not found'),
        (error: unknown) => String(error),
      );
    expect(old, 'the pre-downgrade envelope no longer reads back').not.toBe('value-of-encrypted');
    await cluster.kill('n1', 'SIGTERM');
    const records = await storeRecords(cluster);
    expect(records.get('after-downgrade')?.encryptionState).toBe('cleartext');
    expect(records.get('encrypted')?.encryptionState).toBe('envelope');
  }, 60_000);
});
