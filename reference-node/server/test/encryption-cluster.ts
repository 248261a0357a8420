/**
 * Test fixture: real node processes with the encryption rollout driven over
 * the EncryptionAdmin RPCs — KEK file, per-node flags, bootstrap, Phase 1,
 * Phase 2, halts. Shared by the rollout, startup-guard, stage and bug tests
 * so each test says only what is particular to it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifyError,
  generateWrappedDek,
  loadKekFile,
  type EnableRaftEnvelopeResponse,
  type EnableStorageEnvelopeResponse,
  type InspectRecord,
  type StatusResponse,
} from '../../proto/index.js';
import { adminBin, ProcessCluster, waitFor } from './process-cluster.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);
/** A string from UTF-8 bytes. */
export const text = (bytes: Uint8Array): string => decoder.decode(bytes);

/** Deadline of the rollout RPCs the fixture makes (Phase 2 fans out and drains before it proposes). */
const rolloutCallTimeoutMs = 15_000;

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

/** A put that retries definite refusals (cutover barrier, registration gate, leader change); false when the outcome is unknown. */
export async function putWithRetry(
  cluster: ProcessCluster,
  via: string,
  key: string,
  value: string,
  attempts = 60,
): Promise<boolean> {
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
export async function proposerOf(
  cluster: ProcessCluster,
  id: string,
): Promise<{ proposerNodeId: string; proposerLocalEpoch: number }> {
  const capability = await cluster.encryption(id).getCapability({});
  return { proposerNodeId: capability.fullNodeId, proposerLocalEpoch: 0 };
}

/**
 * Refusals after which a rollout RPC is sent again, to the leader then: leadership moved (a loaded machine's
 * election) — LeadershipLost / NotLeader, a new leader that refused to propose before it applied its term's
 * start (ProposalDropped), or the encryption admin's own definite refusal of §6.2 when the node is no longer
 * leader or its ReadIndex round could not confirm the leadership before anything was proposed.
 */
function leadershipMoved(error: unknown): boolean {
  const { spec, message } = classifyError(error);
  if (spec.name === 'LeadershipLost' || spec.name === 'NotLeader' || spec.name === 'ProposalDropped') return true;
  return spec.name === 'EncryptionFailedPrecondition' && /\b(not leader|leadership not confirmed)\b/.test(message);
}

/**
 * A rollout RPC on `leader`, again on the current leader while leadership moves under it.
 * `tookEffect` (asked of the new leader before a retry) tells whether the lost attempt
 * committed anyway; Enable needs none (a repeat answers was_already_active).
 */
async function onLeaderWithRetry<T>(
  cluster: ProcessCluster,
  leader: string,
  call: (node: string) => Promise<T>,
  tookEffect?: (node: string) => Promise<T | undefined>,
): Promise<T> {
  let node = leader;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(node);
    } catch (error) {
      if (!leadershipMoved(error) || attempt >= 5) throw error;
      node = await cluster.waitForLeader();
      const done = await tookEffect?.(node);
      if (done !== undefined) return done;
    }
  }
}

/**
 * BootstrapEncryption on `leader` with freshly generated, KEK-wrapped DEKs
 * (storage id 1, raft id 2) and a writer batch of every capable node in `ids`;
 * on the new leader if leadership moves meanwhile (unless the lost attempt committed).
 */
export async function bootstrapEncryption(
  cluster: ProcessCluster,
  leader: string,
  kekPath: string,
  ids: readonly string[] = cluster.ids(),
): Promise<void> {
  const kek = await loadKekFile(kekPath);
  const caps = await Promise.all(ids.map((id) => cluster.encryption(id).getCapability({})));
  const request = {
    wrappedStorageDek: generateWrappedDek(kek).wrapped,
    wrappedRaftDek: generateWrappedDek(kek).wrapped,
    storageDekId: 1,
    raftDekId: 2,
    writerBatch: caps
      .filter((c) => c.encryptionCapable)
      .map((c) => ({ fullNodeId: c.fullNodeId, localEpoch: c.localEpoch })),
  };
  // The lost attempt committed if the new leader, once it applied its commit, has an active storage DEK.
  const committed = async (node: string): Promise<true | undefined> => {
    await waitFor(`${node} to apply up to its commit`, rolloutCallTimeoutMs, async () => {
      const status = await cluster.status(node);
      return status.appliedIndex >= status.commitIndex ? true : undefined;
    });
    const state = await cluster.encryption(node).getSidecarState({}, { timeoutMs: rolloutCallTimeoutMs });
    return state.activeStorageId !== 0 ? true : undefined;
  };
  await onLeaderWithRetry(
    cluster,
    leader,
    async (node) => {
      await cluster.encryption(node).bootstrapEncryption(request, { timeoutMs: rolloutCallTimeoutMs });
      return true as const;
    },
    committed,
  );
}

/** Phase 1 on `leader` (on the new leader if leadership moves meanwhile). */
export async function enableStorageEnvelope(
  cluster: ProcessCluster,
  leader: string,
): Promise<EnableStorageEnvelopeResponse> {
  return onLeaderWithRetry(cluster, leader, async (node) =>
    cluster
      .encryption(node)
      .enableStorageEnvelope(await proposerOf(cluster, node), { timeoutMs: rolloutCallTimeoutMs }),
  );
}

/** Phase 2 on `leader` (on the new leader if leadership moves meanwhile). */
export async function enableRaftEnvelope(cluster: ProcessCluster, leader: string): Promise<EnableRaftEnvelopeResponse> {
  return onLeaderWithRetry(cluster, leader, async (node) =>
    cluster.encryption(node).enableRaftEnvelope(await proposerOf(cluster, node), { timeoutMs: rolloutCallTimeoutMs }),
  );
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
export async function startEncryptedCluster(
  options: EncryptedClusterOptions = {},
): Promise<{ cluster: ProcessCluster; kekPath: string; leader: string }> {
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
      if (code !== 3)
        throw new Error(`${id} exited with ${code}, not the halt code 3:\n${cluster.logOf(id).slice(-2000)}`);
      return cluster.logOf(id).slice(-4000);
    }
    const status: StatusResponse | undefined = await cluster.status(id).catch(() => undefined);
    return status?.halted === true ? `${status.haltReason} (index ${status.haltIndex})` : undefined;
  });
}

/** What one `ekv-admin` process printed, and its exit code. */
export interface AdminRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ekv-admin ARGS` as a process without blocking the test's event loop (concurrent writers keep going). */
export async function runAdmin(args: readonly string[], timeoutMs = 30_000): Promise<AdminRun> {
  const child = spawn(process.execPath, [adminBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}

/** `ekv-admin encryption rotate-dek --purpose P --kek-file K` against node `id`; the new DEK id and the entry's index. */
export async function rotateDekWithCli(
  cluster: ProcessCluster,
  id: string,
  kekPath: string,
  purpose: 'storage' | 'raft',
): Promise<{ newDekId: number; appliedIndex: number }> {
  const result = await runAdmin([
    '--addr',
    cluster.address(id),
    'encryption',
    'rotate-dek',
    '--purpose',
    purpose,
    '--kek-file',
    kekPath,
  ]);
  const match = /^OK applied_index=(\d+) new_dek_id=(\d+)$/m.exec(result.stdout);
  if (result.code !== 0 || match === null)
    throw new Error(
      `rotate-dek --purpose ${purpose} on ${id} failed (exit ${result.code}): ${result.stdout}${result.stderr}`,
    );
  return { appliedIndex: Number(match[1]), newDekId: Number(match[2]) };
}

/** Options of {@link inspectNode}. */
export interface InspectNodeOptions {
  /** Pass the KEK so wrapped raft payloads are opened (their opcode shown, the unwrap verified). */
  readonly kekPath?: string;
  readonly values?: boolean;
}

/** `ekv-admin inspect` of STOPPED node `id` with its fixture sidecar, parsed line by line. */
export async function inspectNode(
  cluster: ProcessCluster,
  id: string,
  options: InspectNodeOptions = {},
): Promise<InspectRecord[]> {
  if (cluster.running(id)) throw new Error(`inspect is offline: stop ${id} first`);
  const args = ['inspect', cluster.node(id).dataDir, '--sidecar', sidecarPathOf(cluster, id)];
  if (options.kekPath !== undefined) args.push('--kek-file', options.kekPath);
  if (options.values === true) args.push('--values');
  const result = await runAdmin(args);
  if (result.code !== 0) throw new Error(`inspect of ${id} exited ${result.code}: ${result.stderr}`);
  return result.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as InspectRecord);
}

/**
 * A random canary value: base64url of 18 random bytes. Incompressible, so
 * LevelDB's block compression cannot hide a plaintext copy from a byte scan.
 */
export function canary(): string {
  return randomBytes(18).toString('base64url');
}

/** True if any file under `dir` contains `needle` verbatim. */
export function bytesOnDisk(dir: string, needle: string): boolean {
  const bytes = Buffer.from(needle);
  return readdirSync(dir, { recursive: true, withFileTypes: true }).some(
    (entry) => entry.isFile() && readFileSync(join(entry.parentPath, entry.name)).includes(bytes),
  );
}

/** One write of a {@link BackgroundWriter}. */
export interface BackgroundWrite {
  readonly key: string;
  readonly value: string;
  /** Wall clock just before the put was sent (compare with when a cutover RPC returned). */
  readonly invokedAtMs: number;
  /** True when acknowledged; false when the outcome is unknown (it may still have been applied). */
  readonly acknowledged: boolean;
}

/** Client writes of random canaries, round-robin over the nodes, until stopped. */
export interface BackgroundWriter {
  /** Stops after the write in flight and returns every write attempted. */
  stop(): Promise<BackgroundWrite[]>;
}

/** Starts writing `<prefix>-<n>` = canary through the nodes `via` in turn (definite refusals are retried). */
export function startBackgroundWriter(
  cluster: ProcessCluster,
  prefix: string,
  via: readonly string[] = cluster.ids(),
): BackgroundWriter {
  const writes: BackgroundWrite[] = [];
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n++) {
      const key = `${prefix}-${n}`;
      const value = canary();
      const invokedAtMs = Date.now();
      const acknowledged = await putWithRetry(cluster, via[n % via.length]!, key, value);
      writes.push({ key, value, invokedAtMs, acknowledged });
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return writes;
    },
  };
}

/**
 * Waits until every node in `ids` logged that its own writer registration
 * for DEK `dekId` applied ("encryption writer registered"; GetSidecarState
 * shows the registry only on the leader). After a RotateDEK the
 * non-proposers register through their watchers (§3.4 (d)); a node restarted
 * before its row commits refuses to start (ErrLocalEpochRollback, "no
 * registry row while the storage envelope is active", §8.2).
 */
export async function waitForRegistration(
  cluster: ProcessCluster,
  dekId: number,
  ids: readonly string[] = cluster.ids(),
  timeoutMs = 20_000,
): Promise<void> {
  const registered = (id: string): boolean =>
    cluster
      .logOf(id)
      .split('\n')
      .some((line) => {
        if (!line.includes('encryption writer registered')) return false;
        try {
          return (JSON.parse(line) as { dekId?: unknown }).dekId === dekId;
        } catch {
          return false;
        }
      });
  await waitFor(
    `every node registered for DEK ${dekId}`,
    timeoutMs,
    async () => (ids.every(registered) ? true : undefined),
    200,
  );
}

/**
 * Hands leadership to `target` (TransferLeadership through whoever leads,
 * retried while it catches up); resolves once it leads — or once it halted
 * or exited, which a bug switch may make it do the moment it proposes.
 */
export async function makeLeader(cluster: ProcessCluster, target: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `${target} to lead`,
    timeoutMs,
    async () => {
      // Halted and exited (--exit-on-halt): the caller's waitForHalt tells why.
      if (!cluster.running(target)) return true;
      const status = await cluster.status(target);
      if (status.role === 'leader' || status.halted) return true;
      if (status.leader !== '')
        await cluster
          .admin(status.leader)
          .transferLeadership({ id: target })
          .catch(() => undefined);
      return undefined;
    },
    250,
  );
}
