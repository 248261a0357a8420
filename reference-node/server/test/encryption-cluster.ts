/**
 * Test fixture: real node processes with the encryption rollout driven over
 * the EncryptionAdmin RPCs — KEK file, per-node flags, bootstrap, Phase 1,
 * Phase 2, halts. Shared by the rollout, startup-guard, stage and bug tests
 * so each test says only what is particular to it.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWrappedDek, loadKekFile } from '../../encryption/index.js';
import { classifyError, type StatusResponse } from '../../proto/index.js';
import { createEncryptionAdminClient } from '../encryption-admin-proto.js';
import { ProcessCluster, waitFor } from './process-cluster.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);
/** A string from UTF-8 bytes. */
export const text = (bytes: Uint8Array): string => decoder.decode(bytes);

/** GetCapability's answer. */
export interface Capability { readonly fullNodeId: string; readonly localEpoch: number; readonly encryptionCapable: boolean }
/** GetSidecarState's answer (the fields the tests look at). */
export interface SidecarState {
  readonly activeStorageId: number;
  readonly activeRaftId: number;
  readonly storageEnvelopeActive: boolean;
  readonly storageEnvelopeCutoverIndex: string;
  readonly raftEnvelopeCutoverIndex: string;
}
/** EnableStorageEnvelope / EnableRaftEnvelope's answer. */
export interface EnableResult { readonly appliedIndex: string; readonly wasAlreadyActive: boolean; readonly capabilitySummary: unknown[] }

/** Writes a fresh 32-byte KEK (mode 0600) into the cluster dir and returns its path. */
export function writeKek(cluster: ProcessCluster, name = 'kek.bin'): string {
  const path = join(cluster.dir, name);
  writeFileSync(path, randomBytes(32), { mode: 0o600 });
  return path;
}

/** The sidecar path the fixture gives node `id`. */
export function sidecarPathOf(cluster: ProcessCluster, id: string): string {
  return join(cluster.dir, `${id}.sidecar`);
}

/** `--encryption-enabled --kek-file … --sidecar-path …` for node `id`. */
export function encryptionFlags(cluster: ProcessCluster, id: string, kekPath: string): string[] {
  return ['--encryption-enabled', '--kek-file', kekPath, '--sidecar-path', sidecarPathOf(cluster, id)];
}

/** One EncryptionAdmin call on node `id` (15 s deadline). */
export async function callEncryption<T>(cluster: ProcessCluster, id: string, method: string, request: object = {}): Promise<T> {
  const client = createEncryptionAdminClient(cluster.address(id));
  try {
    return await client.call<T>(method, request, 15_000);
  } finally {
    client.close();
  }
}

/** A put that retries definite refusals (cutover barrier, registration gate, leader change); false when the outcome is unknown. */
export async function putWithRetry(cluster: ProcessCluster, via: string, key: string, value: string, attempts = 60): Promise<boolean> {
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
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

/** The proposer fields of the Enable RPCs: the contacted node's own full id, epoch 0. */
export async function proposerOf(cluster: ProcessCluster, id: string): Promise<{ proposerNodeId: string; proposerLocalEpoch: number }> {
  const capability = await callEncryption<Capability>(cluster, id, 'GetCapability');
  return { proposerNodeId: capability.fullNodeId, proposerLocalEpoch: 0 };
}

/**
 * BootstrapEncryption on `leader` with freshly generated, KEK-wrapped DEKs
 * (storage id 1, raft id 2) and a writer batch of every capable node in `ids`.
 */
export async function bootstrapEncryption(cluster: ProcessCluster, leader: string, kekPath: string, ids: readonly string[] = cluster.ids()): Promise<void> {
  const kek = await loadKekFile(kekPath);
  const caps = await Promise.all(ids.map((id) => callEncryption<Capability>(cluster, id, 'GetCapability')));
  await callEncryption(cluster, leader, 'BootstrapEncryption', {
    wrappedStorageDek: Buffer.from(generateWrappedDek(kek).wrapped),
    wrappedRaftDek: Buffer.from(generateWrappedDek(kek).wrapped),
    storageDekId: 1,
    raftDekId: 2,
    writerBatch: caps.filter((c) => c.encryptionCapable).map((c) => ({ fullNodeId: c.fullNodeId, localEpoch: c.localEpoch })),
  });
}

/** Phase 1 on `leader`. */
export async function enableStorageEnvelope(cluster: ProcessCluster, leader: string): Promise<EnableResult> {
  return callEncryption<EnableResult>(cluster, leader, 'EnableStorageEnvelope', await proposerOf(cluster, leader));
}

/** Phase 2 on `leader`. */
export async function enableRaftEnvelope(cluster: ProcessCluster, leader: string): Promise<EnableResult> {
  return callEncryption<EnableResult>(cluster, leader, 'EnableRaftEnvelope', await proposerOf(cluster, leader));
}

/** Options of {@link startEncryptedCluster}. */
export interface EncryptedClusterOptions {
  readonly ids?: readonly string[];
  /** Flags for every node (after the fixture's own). */
  readonly commonFlags?: readonly string[];
  /** Extra flags per node id (e.g. `--stage 6A`, `--bug B7`). */
  readonly nodeFlags?: Readonly<Record<string, readonly string[]>>;
  /** Node ids started without the encryption flags (default none). */
  readonly withoutEncryption?: readonly string[];
}

/** A started cluster with a KEK and encryption flags on every node (unless excluded), and its leader. */
export async function startEncryptedCluster(options: EncryptedClusterOptions = {}): Promise<{ cluster: ProcessCluster; kekPath: string; leader: string }> {
  const ids = options.ids ?? ['n1', 'n2', 'n3'];
  const cluster = await ProcessCluster.create(ids, ids.length, ['--tick-ms', '20', ...(options.commonFlags ?? [])]);
  const kekPath = writeKek(cluster);
  for (const id of ids) {
    if (!(options.withoutEncryption ?? []).includes(id)) cluster.addFlags(id, encryptionFlags(cluster, id, kekPath));
    cluster.addFlags(id, options.nodeFlags?.[id] ?? []);
  }
  try {
    await cluster.startAll();
    return { cluster, kekPath, leader: await cluster.waitForLeader() };
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
}

/** Bootstrap, then Phase 1, then Phase 2, all on `leader`; returns the raft cutover index. */
export async function rolloutToPhase2(cluster: ProcessCluster, leader: string, kekPath: string): Promise<number> {
  await bootstrapEncryption(cluster, leader, kekPath);
  await enableStorageEnvelope(cluster, leader);
  const phase2 = await enableRaftEnvelope(cluster, leader);
  return Number(phase2.appliedIndex);
}

/**
 * Waits until node `id` halted: its Status says so (--no-exit-on-halt) or its
 * process exited with code 3 (--exit-on-halt, the default). Returns the halt
 * reason (from Status, or the node log's last lines when it exited).
 */
export async function waitForHalt(cluster: ProcessCluster, id: string, timeoutMs = 15_000): Promise<string> {
  return waitFor(`${id} to halt`, timeoutMs, async () => {
    if (!cluster.running(id)) {
      const code = await cluster.exited(id);
      if (code !== 3) throw new Error(`${id} exited with ${code}, not the halt code 3:\n${cluster.logOf(id).slice(-2000)}`);
      return cluster.logOf(id).slice(-4000);
    }
    const status: StatusResponse | undefined = await cluster.status(id).catch(() => undefined);
    return status?.halted === true ? `${status.haltReason} (index ${status.haltIndex})` : undefined;
  });
}
