/**
 * Mixed-stage clusters (spec §7.1, §7.8): nodes started with different
 * `--stage` values behave as those releases would, so a mixed cluster is a
 * real mixed-version cluster.
 * - 6A (applier, no KEK) under a 6B leader: registrations apply, the
 *   bootstrap halts it with ErrKEKNotConfigured, and the replay after a
 *   restart halts it again at the same index; the 6B pair keeps serving.
 * - 6C under a 6D leader: the fan-out passes (capability is "sidecar path
 *   set"), the Phase-1 marker (sub-tag 0x04) halts the 6C node with
 *   ErrFSMWireSubtag; the 6D pair keeps serving.
 * - An RPC the release does not have answers UNIMPLEMENTED naming the stage.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, EncryptionErrors, NodeErrors, RpcError } from '../proto/index.js';
import {
  bootstrapEncryption,
  enableRaftEnvelope,
  enableStorageEnvelope,
  makeLeader,
  putWithRetry,
  sidecarPathOf,
  startEncryptedCluster,
  text,
  utf8,
  waitForHalt,
} from './test/encryption-cluster.js';
import { waitFor, type ProcessCluster } from './test/process-cluster.js';

/** Makes one of `candidates` the leader (transferring if another node leads) and returns it once every node agrees. */
async function leadOn(cluster: ProcessCluster, candidates: readonly string[]): Promise<string> {
  const current = await cluster.waitForLeader();
  if (candidates.includes(current)) return current;
  await makeLeader(cluster, candidates[0]!);
  const leader = await cluster.waitForLeader();
  expect(candidates).toContain(leader);
  return leader;
}

/** The error a call rejected with (fails the test if it succeeded). */
async function rejection(call: Promise<unknown>): Promise<RpcError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof RpcError))
    throw new Error(`expected the call to be refused with an RpcError, got ${String(outcome)}`);
  return outcome;
}

/** Writes `count` keys through `via` (retrying definite refusals) and reads each back. */
async function writesStillWork(cluster: ProcessCluster, via: string, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) expect(await putWithRetry(cluster, via, `${prefix}-${i}`, `value-${i}`)).toBe(true);
  for (let i = 0; i < count; i++) {
    const read = await cluster.kv(via).get({ key: utf8(`${prefix}-${i}`) });
    expect(text(read.value ?? new Uint8Array(0))).toBe(`value-${i}`);
  }
}

describe('mixed-stage clusters', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('a 6A node applies registrations, halts with ErrKEKNotConfigured on a 6B bootstrap and again after restart; the 6B pair serves', async () => {
    const started = await startEncryptedCluster({
      nodeFlags: { n1: ['--stage', '6B'], n2: ['--stage', '6B'], n3: ['--stage', '6A'] },
      withoutEncryption: ['n3'],
    });
    cluster = started.cluster;
    const leader = await leadOn(cluster, ['n1', 'n2']);

    // 6A had the mutators forced off: the refusal names the stage.
    const forcedOff = await rejection(
      cluster.encryption('n3').registerEncryptionWriter({ dekId: 1, writers: [{ fullNodeId: '1', localEpoch: 0 }] }),
    );
    expect(classifyError(forcedOff).spec).toBe(NodeErrors.EncryptionFailedPrecondition);
    expect(forcedOff.message).toMatch(/stage 6A \(introduced in 6B\)/);

    // A registration (0x03) applies on the 6A node: its applier is wired, unlike a pre-6A binary's.
    const n3 = await cluster.encryption('n3').getCapability({});
    const registered = await cluster
      .encryption(leader)
      .registerEncryptionWriter({ dekId: 7, writers: [{ fullNodeId: '12345', localEpoch: 3 }] });
    await waitFor('n3 to apply the registration', 15_000, async () =>
      (await cluster!.status('n3')).appliedIndex >= Number(registered.appliedIndex) ? true : undefined,
    );
    expect((await cluster.status('n3')).halted).toBe(false);
    expect(n3.encryptionCapable).toBe(false);

    await bootstrapEncryption(cluster, leader, started.kekPath);
    // The production fatal path: the process exits 3; the log's fatal line carries index and reason.
    const firstHalt = await waitForHalt(cluster, 'n3', 20_000);
    const haltIndex = Number(/"index":(\d+),"reason":"[^"]*ErrKEKNotConfigured/.exec(firstHalt)?.[1]);
    expect(haltIndex).toBeGreaterThan(Number(registered.appliedIndex));

    // The replay after a restart halts at the same entry (kept up with --no-exit-on-halt to read Status).
    await cluster.start('n3', ['--no-exit-on-halt']);
    const secondHalt = await waitForHalt(cluster, 'n3', 20_000);
    expect(secondHalt).toMatch(/ErrKEKNotConfigured/);
    expect(secondHalt).toContain(`(index ${haltIndex})`);
    // Status names the halt by its most specific registry entry (not the ErrEncryptionApply wrapper), the same after the restart.
    expect(await cluster.status('n3')).toMatchObject({
      appliedIndex: haltIndex - 1,
      haltIndex,
      haltCode: EncryptionErrors.ErrKEKNotConfigured.code,
      haltError: 'ErrKEKNotConfigured',
    });

    await writesStillWork(cluster, leader, 'after-6a-halt', 5);
    expect((await cluster.status(leader === 'n1' ? 'n2' : 'n1')).halted).toBe(false);
  }, 90_000);

  it('a 6C node in a 6D cluster passes the fan-out and halts on Phase 1 with ErrFSMWireSubtag; the others go on', async () => {
    const started = await startEncryptedCluster({
      nodeFlags: { n1: ['--stage', '6D'], n2: ['--stage', '6D'], n3: ['--stage', '6C'] },
    });
    cluster = started.cluster;
    const leader = await leadOn(cluster, ['n1', 'n2']);
    await bootstrapEncryption(cluster, leader, started.kekPath);

    const phase1 = await enableStorageEnvelope(cluster, leader);
    expect(phase1.wasAlreadyActive).toBe(false);
    const summary = phase1.capabilitySummary as ReadonlyArray<{ encryptionCapable: boolean; buildSha: string }>;
    const stages = summary.map((s) => /\(stage (6[A-F])\)$/.exec(s.buildSha)?.[1]).sort();
    expect(stages).toEqual(['6C', '6D', '6D']);
    expect(summary.every((s) => s.encryptionCapable)).toBe(true);

    const halt = await waitForHalt(cluster, 'n3', 20_000);
    expect(halt).toMatch(/ErrFSMWireSubtag/);
    expect(halt).toMatch(/sub-tag 0x04/);

    // Phase 2 does not exist in 6D.
    const phase2 = await rejection(enableRaftEnvelope(cluster, leader));
    expect(phase2.grpcCode).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(classifyError(phase2).spec).toBe(NodeErrors.NotImplementedAtStage);
    expect(phase2.message).toMatch(/EnableRaftEnvelope is not available at stage 6D \(introduced in 6E\)/);

    await writesStillWork(cluster, leader, 'after-6c-halt', 5);
    const state = await cluster.encryption(leader).getSidecarState({});
    expect(state.storageEnvelopeActive).toBe(true);
  }, 90_000);

  it('a 6B leader proposes but answers UNIMPLEMENTED to EnableStorageEnvelope; 6B starts with the flag and no KEK (no 6C guard)', async () => {
    const started = await startEncryptedCluster({
      ids: ['n1', 'n2'],
      nodeFlags: { n1: ['--stage', '6B'], n2: ['--stage', '6B'] },
      withoutEncryption: ['n2'],
    });
    cluster = started.cluster;
    cluster.addFlags('n2', ['--encryption-enabled', '--sidecar-path', sidecarPathOf(cluster, 'n2')]);
    await cluster.kill('n2');
    await cluster.start('n2');
    const leader = await leadOn(cluster, ['n1']);

    const refused = await rejection(enableStorageEnvelope(cluster, leader));
    expect(refused.grpcCode).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(classifyError(refused).spec).toBe(NodeErrors.NotImplementedAtStage);
    expect(refused.message).toMatch(/EnableStorageEnvelope is not available at stage 6B \(introduced in 6D\)/);

    // n2 has --encryption-enabled without --kek-file: a 6C node refuses to start (ErrKEKRequiredWithFlag), 6B runs unwired.
    const unwired = await rejection(
      cluster.encryption('n2').registerEncryptionWriter({ dekId: 1, writers: [{ fullNodeId: '1', localEpoch: 0 }] }),
    );
    expect(classifyError(unwired).spec).toBe(NodeErrors.EncryptionFailedPrecondition);
    expect(unwired.message).toMatch(/proposer is not configured/);
    // The 6B leader's mutators are on (flag, KEK and sidecar path), unlike 6A's.
    const result = await cluster
      .encryption(leader)
      .registerEncryptionWriter({ dekId: 9, writers: [{ fullNodeId: '42', localEpoch: 0 }] });
    expect(Number(result.appliedIndex)).toBeGreaterThan(0);
  }, 60_000);
});
