/**
 * The encryption rollout on a real 3-node cluster: bootstrap → Phase 1 →
 * Phase 2 while writes keep arriving → restart every node → every
 * acknowledged value reads back, writes still work, and every node's sidecar
 * agrees on the active DEKs and the raft cutover. Plus the startup guards:
 * a sidecar without the flag and the flag without a KEK refuse to start.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateWrappedDek, loadKekFile } from '../encryption/index.js';
import { classifyError } from '../proto/index.js';
import { createEncryptionAdminClient } from './encryption-admin-proto.js';
import { ProcessCluster } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

interface Capability { readonly fullNodeId: string; readonly localEpoch: number; readonly encryptionCapable: boolean }
interface SidecarState { readonly activeStorageId: number; readonly activeRaftId: number; readonly storageEnvelopeActive: boolean; readonly raftEnvelopeCutoverIndex: string }

function encryptionFlags(cluster: ProcessCluster, id: string, kekPath: string): string[] {
  return ['--encryption-enabled', '--kek-file', kekPath, '--sidecar-path', join(cluster.dir, `${id}.sidecar`)];
}

function writeKek(cluster: ProcessCluster): string {
  const path = join(cluster.dir, 'kek.bin');
  writeFileSync(path, randomBytes(32), { mode: 0o600 });
  return path;
}

/** True if any file under `dir` contains `needle` verbatim (LevelDB's WAL and snappy literals keep short values as is). */
function onDisk(dir: string, needle: string): boolean {
  const bytes = Buffer.from(needle);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .some((entry) => entry.isFile() && readFileSync(join(entry.parentPath, entry.name)).includes(bytes));
}

async function call<T>(cluster: ProcessCluster, id: string, method: string, request: object): Promise<T> {
  const client = createEncryptionAdminClient(cluster.address(id));
  try {
    return await client.call<T>(method, request, 15_000);
  } finally {
    client.close();
  }
}

/** A put that retries retryable refusals (cutover barrier, registration gate, leader change). */
async function putWithRetry(cluster: ProcessCluster, via: string, key: string, value: string): Promise<boolean> {
  let last: unknown;
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      await cluster.kv(via).put({ key: utf8(key), value: utf8(value) });
      return true;
    } catch (error) {
      if (classifyError(error).definite !== true) return false;
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`put ${key} via ${via} kept being refused: ${String(last)}`);
}

describe('encryption rollout on a 3-node cluster', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('bootstraps, enables both envelopes under writes, and reads everything back after a full restart', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20']);
    const kekPath = writeKek(cluster);
    for (const id of cluster.ids()) cluster.addFlags(id, encryptionFlags(cluster, id, kekPath));
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const expected = new Map<string, string>();
    const put = async (via: string, key: string, value: string): Promise<void> => {
      if (await putWithRetry(cluster!, via, key, value)) expected.set(key, value);
    };
    await put(leader, 'plain', 'before-bootstrap');

    const caps = await Promise.all(cluster.ids().map((id) => call<Capability>(cluster!, id, 'GetCapability', {})));
    expect(caps.every((c) => c.encryptionCapable && c.fullNodeId !== '0')).toBe(true);
    const kek = await loadKekFile(kekPath);
    await call(cluster, leader, 'BootstrapEncryption', {
      wrappedStorageDek: Buffer.from(generateWrappedDek(kek).wrapped), wrappedRaftDek: Buffer.from(generateWrappedDek(kek).wrapped),
      storageDekId: 1, raftDekId: 2, writerBatch: caps.map((c) => ({ fullNodeId: c.fullNodeId, localEpoch: c.localEpoch })),
    });
    const proposer = { proposerNodeId: caps[cluster.ids().indexOf(leader)]!.fullNodeId, proposerLocalEpoch: 0 };
    const phase1 = await call<{ wasAlreadyActive: boolean; capabilitySummary: unknown[] }>(cluster, leader, 'EnableStorageEnvelope', proposer);
    expect(phase1.wasAlreadyActive).toBe(false);
    expect(phase1.capabilitySummary).toHaveLength(3);
    await put(leader, 'phase1', 'storage-encrypted');

    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await put(cluster.ids()[i % 3]!, `concurrent-${i}`, `v${i}`);
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const phase2 = await call<{ appliedIndex: string; wasAlreadyActive: boolean }>(cluster, leader, 'EnableRaftEnvelope', proposer);
    expect(phase2.wasAlreadyActive).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    writing = false;
    await writer;
    const secret = `raft-encrypted-${randomBytes(8).toString('hex')}`;
    await put(leader, 'phase2', secret);
    const retry = await call<{ appliedIndex: string; wasAlreadyActive: boolean }>(cluster, leader, 'EnableRaftEnvelope', proposer);
    expect(retry).toMatchObject({ wasAlreadyActive: true, appliedIndex: phase2.appliedIndex });

    await Promise.all(cluster.ids().map((id) => cluster!.kill(id, 'SIGTERM')));
    // After Phase 2 a value is in neither the Raft log nor the store in cleartext; a Phase-0 value is (so the scan can see one).
    for (const id of cluster.ids()) {
      expect(onDisk(cluster.node(id).dataDir, secret), `${id} holds the Phase-2 value in cleartext`).toBe(false);
      expect(onDisk(cluster.node(id).dataDir, 'before-bootstrap')).toBe(true);
    }
    await cluster.startAll();
    const newLeader = await cluster.waitForLeader();
    await put(newLeader, 'after-restart', 'still-writable').catch((error: unknown) => {
      throw new Error(`${String(error)}\n${cluster!.logOf(newLeader).slice(-3000)}`);
    });
    for (const reader of cluster.ids()) {
      for (const [key, value] of expected) {
        const got = await cluster.kv(reader).get({ key: utf8(key) });
        expect(got.found, `${key} via ${reader}`).toBe(true);
        expect(text(got.value)).toBe(value);
      }
    }
    const states = await Promise.all(cluster.ids().map((id) => call<SidecarState>(cluster!, id, 'GetSidecarState', {})));
    for (const state of states) {
      expect(state).toMatchObject({ activeStorageId: 1, activeRaftId: 2, storageEnvelopeActive: true, raftEnvelopeCutoverIndex: phase2.appliedIndex });
    }
    expect(expected.size).toBeGreaterThan(4);
  }, 90_000);

  it('refuses to start with a sidecar but no flag, and with the flag but no KEK; without the flag mutators refuse', async () => {
    cluster = await ProcessCluster.create(['n1'], 1, ['--tick-ms', '20']);
    const kekPath = writeKek(cluster);
    const sidecar = join(cluster.dir, 'n1.sidecar');
    // A first start with encryption creates nothing yet; bootstrap writes the sidecar, so write one by hand.
    writeFileSync(sidecar, '{}');
    const withoutFlag = await cluster.start('n1', ['--sidecar-path', sidecar]).catch((error: unknown) => String(error));
    expect(withoutFlag).toContain('ErrSidecarPresentWithoutFlag');
    expect(await cluster.exited('n1')).not.toBe(0);
    const withoutKek = await cluster.start('n1', ['--encryption-enabled', '--sidecar-path', sidecar]).catch((error: unknown) => String(error));
    expect(withoutKek).toContain('ErrKEKRequiredWithFlag');
    expect(await cluster.exited('n1')).not.toBe(0);
    // Without the flag (and no sidecar) the node starts as ever, but every mutator refuses (§6.1).
    await cluster.start('n1');
    await cluster.waitForLeader();
    const gated = await call(cluster, 'n1', 'RegisterEncryptionWriter', { dekId: 1, writers: [{ fullNodeId: '7', localEpoch: 0 }] }).catch((error: unknown) => error);
    expect(classifyError(gated).spec.name).toBe('EncryptionFailedPrecondition');
    expect(String(gated)).toContain('proposer is not configured');
    expect(await call(cluster, 'n1', 'GetCapability', {})).toMatchObject({ encryptionCapable: false, fullNodeId: '0' });
    await cluster.kill('n1', 'SIGTERM');
    await cluster.start('n1', ['--encryption-enabled', '--kek-file', kekPath, '--sidecar-path', join(cluster.dir, 'other.sidecar')]);
    expect(cluster.running('n1')).toBe(true);
  }, 60_000);
});
