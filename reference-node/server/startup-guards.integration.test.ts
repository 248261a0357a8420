/**
 * One test per startup refusal guard of spec §8.2, on real node processes
 * (one-node clusters): each brings a node into the state the guard exists
 * for — mostly by stopping it and doing to its files what an operator or a
 * failed restore would do — and asserts the named error in the node's
 * output and a non-zero exit.
 *
 * ErrUnsupportedFilesystem is reached through the probe's write failing:
 * the node runs under a 3-byte file-size limit (`prlimit --fsize=3`), so the
 * data-dir check's 2-byte probe fits and the sidecar probe's write returns
 * EFBIG. No filesystem reachable without mounting one as root fails fsync
 * itself; the probe maps a failed write and a failed fsync to the same refusal.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRegistryKey, encodeRegistryValue, fullNodeId, nodeId16 } from '../encryption/index.js';
import { classifyError } from '../proto/index.js';
import { encodeUint64BE, NodeStorage } from '../storage/index.js';
import {
  bootstrapEncryption,
  enableRaftEnvelope,
  enableStorageEnvelope,
  inspectNode,
  putWithRetry,
  sidecarPathOf,
  startEncryptedCluster,
  writeKek,
} from './test/encryption-cluster.js';
import { freePort, nodeBin, ProcessCluster, waitFor } from './test/process-cluster.js';

interface SidecarJson {
  raft_applied_index: number;
  raft_envelope_cutover_index: number;
  active: { storage: number; raft: number };
  keys: Record<string, { local_epoch: number }>;
}

/** Starts node `id` expecting a refusal naming `errorName`; asserts a non-zero exit and returns the node's log. */
async function expectRefusal(
  cluster: ProcessCluster,
  id: string,
  errorName: string,
  extraFlags: readonly string[] = [],
): Promise<string> {
  const started = await cluster.start(id, extraFlags).then(
    () => true,
    () => false,
  );
  expect(started, `${id} started (READY) instead of refusing with ${errorName}`).toBe(false);
  const code = await cluster.exited(id);
  expect(code).not.toBe(0);
  expect(code).not.toBeNull();
  // The exit can precede the last stderr bytes reaching the log file: wait for them.
  return waitFor(`${errorName} in ${id}'s log`, 5_000, async () => {
    const log = cluster.logOf(id);
    return log.includes(errorName) ? log : undefined;
  }).catch(() => {
    throw new Error(`${id} refused, but not with ${errorName}:\n${cluster.logOf(id).slice(-2000)}`);
  });
}

/** Rewrites the stopped node's sidecar JSON. */
function editSidecar(cluster: ProcessCluster, id: string, edit: (sidecar: SidecarJson) => void): void {
  const path = sidecarPathOf(cluster, id);
  const sidecar = JSON.parse(readFileSync(path, 'utf8')) as SidecarJson;
  edit(sidecar);
  writeFileSync(path, JSON.stringify(sidecar, null, 2), { mode: 0o600 });
}

/** This node's own registry epoch for `dekId` (GetSidecarState), once it equals `epoch`. */
async function waitForOwnEpoch(cluster: ProcessCluster, id: string, dekId: number, epoch: number): Promise<void> {
  await waitFor(
    `${id} registered for DEK ${dekId} at epoch ${epoch}`,
    20_000,
    async () => {
      const state = await cluster.encryption(id).getSidecarState({});
      return state.writerRegistryForCaller[String(dekId)] === epoch ? true : undefined;
    },
    200,
  );
}

async function stop(cluster: ProcessCluster, id = 'n1'): Promise<void> {
  expect(await cluster.kill(id, 'SIGTERM')).toBe(0);
}

async function restart(cluster: ProcessCluster, id = 'n1'): Promise<void> {
  await stop(cluster, id);
  await cluster.start(id);
  await cluster.waitForLeader();
}

/** A raft id other than `id` whose FNV-1a-64 shares the low 16 bits (the nonce's node_id16) with it. */
function collidingRaftId(id: string): string {
  const target = nodeId16(fullNodeId(id));
  for (let n = 0; n < 1_000_000; n++) {
    const candidate = `c${n}`;
    if (nodeId16(fullNodeId(candidate)) === target) return candidate;
  }
  throw new Error(`no raft id colliding with ${id} among c0..c999999`);
}

/** Runs the node's command line under a 3-byte file-size limit until it exits; its exit code and stderr. */
async function runWithTinyFileSizeLimit(
  cluster: ProcessCluster,
  id: string,
): Promise<{ code: number | null; stderr: string }> {
  // stdout and stderr are pipes, which the limit does not cover.
  const child = spawn(
    'prlimit',
    ['--fsize=3', process.execPath, nodeBin, ...cluster.node(id).flags, ...cluster.commonFlags],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run prlimit (util-linux): ${error.message}`)));
    child.once('close', (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(timer));
  return { code, stderr };
}

describe('startup refusal guards (spec §8.2)', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  /** A one-node encrypted cluster, bootstrapped (and rolled out to `phase`). */
  async function bootstrappedNode(phase: 0 | 1 | 2 = 0, commonFlags: readonly string[] = []): Promise<ProcessCluster> {
    const started = await startEncryptedCluster({ ids: ['n1'], commonFlags });
    cluster = started.cluster;
    await bootstrapEncryption(cluster, 'n1', started.kekPath);
    if (phase >= 1) await enableStorageEnvelope(cluster, 'n1');
    if (phase >= 2) await enableRaftEnvelope(cluster, 'n1');
    return cluster;
  }

  it('ErrSidecarPresentWithoutFlag and ErrKEKRequiredWithFlag; without the flag the node starts and mutators refuse', async () => {
    cluster = await ProcessCluster.create(['n1'], 1, ['--tick-ms', '20']);
    const kekPath = writeKek(cluster);
    const sidecar = sidecarPathOf(cluster, 'n1');
    writeFileSync(sidecar, '{}');
    await expectRefusal(cluster, 'n1', 'ErrSidecarPresentWithoutFlag', ['--sidecar-path', sidecar]);
    await expectRefusal(cluster, 'n1', 'ErrKEKRequiredWithFlag', ['--encryption-enabled', '--sidecar-path', sidecar]);
    // Without the flag (and no sidecar) the node starts as ever, but every mutator refuses (§6.1).
    await cluster.start('n1');
    await cluster.waitForLeader();
    const gated = await cluster
      .encryption('n1')
      .registerEncryptionWriter({ dekId: 1, writers: [{ fullNodeId: '7', localEpoch: 0 }] })
      .catch((error: unknown) => error);
    expect(classifyError(gated).spec.name).toBe('EncryptionFailedPrecondition');
    expect(await cluster.encryption('n1').getCapability({})).toMatchObject({
      encryptionCapable: false,
      fullNodeId: '0',
    });
    await stop(cluster);
    await cluster.start('n1', [
      '--encryption-enabled',
      '--kek-file',
      kekPath,
      '--sidecar-path',
      sidecarPathOf(cluster, 'other'),
    ]);
    expect(cluster.running('n1')).toBe(true);
  }, 60_000);

  it("ErrKEKMismatch: the sidecar's DEKs do not unwrap under the KEK given", async () => {
    const node = await bootstrappedNode();
    await stop(node);
    writeKek(node); // a new random KEK over the old file
    await expectRefusal(node, 'n1', 'ErrKEKMismatch');
  }, 60_000);

  it("ErrLocalEpochExhausted: the active storage DEK's local_epoch is 0xFFFF", async () => {
    const node = await bootstrappedNode();
    await stop(node);
    editSidecar(node, 'n1', (s) => {
      s.keys[String(s.active.storage)]!.local_epoch = 0xffff;
    });
    await expectRefusal(node, 'n1', 'ErrLocalEpochExhausted');
  }, 60_000);

  it('ErrUnsupportedFilesystem: the startup probe cannot write and sync a file beside the sidecar', async () => {
    const started = await startEncryptedCluster({ ids: ['n1'] });
    cluster = started.cluster;
    await stop(cluster);
    const { code, stderr } = await runWithTinyFileSizeLimit(cluster, 'n1');
    expect(stderr).toContain('ErrUnsupportedFilesystem');
    expect(code).not.toBe(0);
  }, 60_000);

  it('ErrSidecarBehindRaftLog: a sidecar restored from before a sidecar-mutating entry the log applied', async () => {
    const node = await bootstrappedNode();
    const saved = `${sidecarPathOf(node, 'n1')}.bootstrap`;
    copyFileSync(sidecarPathOf(node, 'n1'), saved);
    await enableStorageEnvelope(node, 'n1');
    await stop(node);
    copyFileSync(saved, sidecarPathOf(node, 'n1'));
    await expectRefusal(node, 'n1', 'ErrSidecarBehindRaftLog');
  }, 60_000);

  it('ErrSidecarBehindRaftLog (compacted): snapshots past the last sidecar-mutating entry refuse once the gap left the retained log', async () => {
    // The gap (sidecar index, applied] lies below the newest snapshot: the durable log keeps
    // --snapshot-keep-entries entries there, so with 1000 kept the scan reads it and the node restarts.
    const node = await bootstrappedNode(2, ['--snapshot-entries', '20', '--snapshot-keep-entries', '1000']);
    for (let i = 0; i < 50; i++) expect(await putWithRetry(node, 'n1', `k${i}`, `v${i}`)).toBe(true);
    await restart(node);
    expect(await putWithRetry(node, 'n1', 'after-restart', 'ok')).toBe(true);
    // With nothing kept the gap cannot be verified: the spec's scanner error, a refusal (§8.2; the
    // recovery it names, resync-sidecar, does not exist in the code either).
    await stop(node);
    await node.start('n1', ['--snapshot-keep-entries', '0']);
    for (let i = 0; i < 50; i++) expect(await putWithRetry(node, 'n1', `m${i}`, `v${i}`)).toBe(true);
    await stop(node);
    const log = await expectRefusal(node, 'n1', 'ErrSidecarBehindRaftLog');
    expect(log).toContain('compacted');
  }, 60_000);

  it('ErrNodeIDCollision: two members whose raft ids share node_id16', async () => {
    const node = await bootstrappedNode();
    await stop(node);
    const peers = `n1=${node.address('n1')},${collidingRaftId('n1')}=127.0.0.1:${await freePort()}`;
    await expectRefusal(node, 'n1', 'ErrNodeIDCollision', ['--peers', peers]);
  }, 60_000);

  it('ErrLocalEpochRollback before the bump: an old sidecar copied back under a newer registry row', async () => {
    const node = await bootstrappedNode(1);
    const saved = `${sidecarPathOf(node, 'n1')}.epoch0`;
    copyFileSync(sidecarPathOf(node, 'n1'), saved);
    await restart(node); // bumps the storage epoch to 1 and registers it
    await waitForOwnEpoch(node, 'n1', 1, 1);
    await stop(node);
    copyFileSync(saved, sidecarPathOf(node, 'n1'));
    const output = await expectRefusal(node, 'n1', 'ErrLocalEpochRollback');
    expect(output).toContain('before-bump');
  }, 60_000);

  it('ErrLocalEpochRollback after replay: the replayed log registers the epoch this load just bumped to', async () => {
    const node = await bootstrappedNode(1);
    await restart(node);
    await waitForOwnEpoch(node, 'n1', 1, 1);
    const saved = `${sidecarPathOf(node, 'n1')}.epoch1`;
    copyFileSync(sidecarPathOf(node, 'n1'), saved);
    await restart(node);
    await waitForOwnEpoch(node, 'n1', 1, 2);
    await stop(node);
    // The epoch-2 registration is the newest registration entry of the log.
    const records = await inspectNode(node, 'n1');
    const registration = records.filter((r) => r.kind === 'raft-entry' && r.opcodeName === 'registration').at(-1);
    expect(registration?.kind).toBe('raft-entry');
    const registrationIndex = registration?.kind === 'raft-entry' ? registration.index : 0;
    // Roll the node back to just before that entry applied (sidecar, registry row, applied index), as a
    // restore of a consistent older copy would: before the bump everything agrees; the replay then re-applies
    // the epoch-2 registration, and the epoch this load bumped to (2) is no longer ahead of the row.
    copyFileSync(saved, sidecarPathOf(node, 'n1'));
    const me = fullNodeId('n1');
    const storage = await NodeStorage.open(node.node('n1').dataDir);
    try {
      await storage.state.putRaw(
        encodeRegistryKey(1, nodeId16(me)),
        encodeRegistryValue({ fullNodeId: me, firstSeenEpoch: 0, lastSeenEpoch: 1 }),
      );
      await storage.database.write(
        [
          {
            type: 'put',
            sublevel: storage.database.fsmMeta,
            key: new TextEncoder().encode('appliedIndex'),
            value: encodeUint64BE(BigInt(registrationIndex - 1)),
          },
        ],
        true,
      );
    } finally {
      await storage.close();
    }
    const output = await expectRefusal(node, 'n1', 'ErrLocalEpochRollback');
    expect(output).toContain('after-replay');
  }, 60_000);

  it('ErrLocalEpochRollback for the raft DEK: the raft epoch would not be above its registry row', async () => {
    const node = await bootstrappedNode(2);
    await restart(node); // bumps the raft epoch to 1 and registers it
    await waitForOwnEpoch(node, 'n1', 2, 1);
    await stop(node);
    editSidecar(node, 'n1', (s) => {
      s.keys[String(s.active.raft)]!.local_epoch = 0;
    });
    const output = await expectRefusal(node, 'n1', 'ErrLocalEpochRollback');
    expect(output).toContain('raft DEK');
  }, 60_000);

  it('ErrEnvelopeCutoverDivergence: the newest snapshot header carries another raft cutover than the sidecar', async () => {
    // Snapshots every 20 entries, but the log is kept (the sidecar-behind scan needs it).
    const node = await bootstrappedNode(2, ['--snapshot-entries', '20', '--snapshot-keep-entries', '1000']);
    for (let i = 0; i < 40; i++) expect(await putWithRetry(node, 'n1', `k${i}`, `v${i}`)).toBe(true);
    await stop(node);
    const snapshot = (await inspectNode(node, 'n1')).find((r) => r.kind === 'snapshot');
    expect(snapshot).toMatchObject({ present: true, header: { format: 'v2' } });
    const cutover =
      snapshot?.kind === 'snapshot' && snapshot.present && snapshot.header !== null ? snapshot.header.cutoverIndex : 0;
    expect(cutover).toBeGreaterThan(0);
    editSidecar(node, 'n1', (s) => {
      expect(s.raft_envelope_cutover_index).toBe(cutover);
      s.raft_envelope_cutover_index = cutover + 1;
    });
    await expectRefusal(node, 'n1', 'ErrEnvelopeCutoverDivergence');
  }, 60_000);
});
