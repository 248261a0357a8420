/**
 * Catalogued bugs of the Phase-2 barrier (bug-catalogue.md §10.B) on real
 * 3-node clusters:
 * - B5: a global gate. The marker waits behind the barrier the cutover
 *   closed itself, so EnableRaftEnvelope only ends with the client's
 *   deadline, the marker is never proposed and every write is refused from
 *   then on (STUCK).
 * - B11: releasing the barrier after an ambiguous marker error. The leader's
 *   Raft links stall right after the capability fan-out (a proxy holds the
 *   fan-out's request to n2 until the stall is in place), so the marker is
 *   appended but times out. With B11 the next write is admitted and appended
 *   in cleartext behind the marker; once the links heal, the marker commits
 *   and every replica halts. The control run without the switch shows the
 *   correct outcome: the leader stays STUCK (writes refused, unsafe latch
 *   set) and the marker commits later without any halt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, type StatusResponse } from '../proto/index.js';
import {
  bootstrapEncryption,
  enableRaftEnvelope,
  enableStorageEnvelope,
  encryptionFlags,
  proposerOf,
  putWithRetry,
  startEncryptedCluster,
  utf8,
  writeKek,
} from './test/encryption-cluster.js';
import { ProcessCluster, waitFor } from './test/process-cluster.js';
import { StallProxy } from './test/stall-proxy.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The registry name of a call's failure, or 'ok'. */
async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return classifyError(error).spec.name;
  }
}

/** A put on node `id` that is refused or fails; the registry name of its failure, or 'ok'. */
function putOutcome(cluster: ProcessCluster, id: string, key: string, timeoutMs = 8_000): Promise<string> {
  return outcomeOf(cluster.kv(id).put({ key: utf8(key), value: utf8('v') }, { timeoutMs }));
}

/** The raft cutover index in node `id`'s sidecar (0 when none). */
async function raftCutoverOf(cluster: ProcessCluster, id: string): Promise<number> {
  return Number((await cluster.encryption(id).getSidecarState({})).raftEnvelopeCutoverIndex);
}

/** RegisterEncryptionWriter for n1's own raft row: a non-cutover admin RPC (refused once latched). */
async function registerOutcome(cluster: ProcessCluster, id: string): Promise<string> {
  const capability = await cluster.encryption(id).getCapability({});
  return outcomeOf(
    cluster
      .encryption(id)
      .registerEncryptionWriter({ dekId: 2, writers: [{ fullNodeId: capability.fullNodeId, localEpoch: 0 }] }),
  );
}

describe('catalogued bug B5 (barrier with a global gate)', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('EnableRaftEnvelope ends only with its deadline, the marker is never proposed, and every write is refused afterwards', async () => {
    const started = await startEncryptedCluster({ commonFlags: ['--bug', 'B5'] });
    cluster = started.cluster;
    const { leader } = started;
    await bootstrapEncryption(cluster, leader, started.kekPath);
    await enableStorageEnvelope(cluster, leader);
    expect(await putWithRetry(cluster, leader, 'before', 'phase-2')).toBe(true);
    const phase2 = outcomeOf(
      cluster.encryption(leader).enableRaftEnvelope(await proposerOf(cluster, leader), { timeoutMs: 5_000 }),
    );
    await sleep(1_500);
    expect(await putOutcome(cluster, leader, 'during')).toBe('EnvelopeCutoverInProgress');
    // The client's deadline, seen either by the client itself or first by the server's gate wait.
    expect(['DeadlineExceeded', 'ProposalTimeout']).toContain(await phase2);
    // The server side ended too: the semaphore is free and the ambiguous failure latched.
    expect(await registerOutcome(cluster, leader)).toBe('EncryptionUnsafeLatch');
    expect(await putOutcome(cluster, leader, 'after')).toBe('EnvelopeCutoverInProgress');
    for (const id of cluster.ids()) expect(await raftCutoverOf(cluster, id), `${id} cutover`).toBe(0);
  }, 60_000);
});

/** A cluster whose leader n1 reaches its peers' Raft endpoints through stallable proxies, and n2's admin endpoint through a holding one. */
interface StallableCluster {
  readonly cluster: ProcessCluster;
  readonly kekPath: string;
  readonly raftLinks: readonly StallProxy[];
  readonly fanOutToN2: StallProxy;
}

/**
 * Elections take 5-10 s here (250 ticks of 20 ms) so that the 2-3 s stall
 * neither deposes n1 (check-quorum) nor lets a follower campaign; the
 * marker's proposal times out after 1.2 s.
 */
async function startStallableCluster(bugs: readonly string[], proxies: StallProxy[]): Promise<StallableCluster> {
  const cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, [
    '--tick-ms',
    '20',
    '--election-ticks',
    '250',
    '--heartbeat-ticks',
    '5',
    '--proposal-timeout-ms',
    '1200',
    '--no-exit-on-halt',
    ...bugs,
  ]);
  try {
    const open = async (to: string): Promise<StallProxy> => {
      const proxy = await StallProxy.open(cluster.address(to));
      proxies.push(proxy);
      return proxy;
    };
    const raftLinks = [await open('n2'), await open('n3'), await open('n1'), await open('n1')] as const;
    const fanOutToN2 = await open('n2');
    const kekPath = writeKek(cluster);
    // n1's member list names n2 at the holding proxy (the fan-out dials it); Raft traffic takes the routes.
    cluster.addFlags('n1', [
      '--peer-route',
      `n2=${raftLinks[0].address},n3=${raftLinks[1].address}`,
      '--peers',
      `n1=${cluster.address('n1')},n2=${fanOutToN2.address},n3=${cluster.address('n3')}`,
    ]);
    cluster.addFlags('n2', ['--peer-route', `n1=${raftLinks[2].address}`]);
    cluster.addFlags('n3', ['--peer-route', `n1=${raftLinks[3].address}`]);
    for (const id of cluster.ids()) cluster.addFlags(id, encryptionFlags(cluster, id, kekPath));
    await cluster.startAll();
    const first = await cluster.waitForLeader(undefined, 30_000);
    if (first !== 'n1') {
      await cluster.admin(first).transferLeadership({ id: 'n1' }, { timeoutMs: 20_000 });
      await waitFor('n1 to lead', 20_000, async () => ((await cluster.waitForLeader()) === 'n1' ? true : undefined));
    }
    return { cluster, kekPath, raftLinks, fanOutToN2 };
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
}

/**
 * Bootstrap and Phase 1 on n1, then Phase 2 with n1's Raft links stalled
 * between the fan-out and the marker; returns the Phase-2 failure and the
 * outcome of a write on n1 made right after it (the links heal 300 ms later).
 */
async function phase2WithStalledMarker(setup: StallableCluster): Promise<{ phase2: string; write: Promise<string> }> {
  const { cluster } = setup;
  await bootstrapEncryption(cluster, 'n1', setup.kekPath);
  await enableStorageEnvelope(cluster, 'n1');
  expect(await putWithRetry(cluster, 'n1', 'before', 'phase-2')).toBe(true);
  const stalled = setup.fanOutToN2.holdNextRequest(async () => {
    for (const link of setup.raftLinks) link.stall();
  });
  const phase2 = await outcomeOf(enableRaftEnvelope(cluster, 'n1'));
  await stalled;
  const write = putOutcome(cluster, 'n1', 'after-ambiguous');
  await sleep(300);
  for (const link of setup.raftLinks) link.resume();
  return { phase2, write };
}

/** Every node halted with the raft unwrap failure at one index; returns it. */
async function expectClusterHalted(cluster: ProcessCluster): Promise<number> {
  const halts = await Promise.all(
    cluster.ids().map((id) =>
      waitFor(`${id} to halt`, 20_000, async () => {
        const status: StatusResponse = await cluster.status(id);
        return status.halted ? { id, reason: status.haltReason, index: status.haltIndex } : undefined;
      }),
    ),
  );
  for (const halt of halts) expect(halt.reason, `${halt.id} halt reason`).toContain('ErrRaftUnwrapFailed');
  expect(new Set(halts.map((h) => h.index)).size, JSON.stringify(halts)).toBe(1);
  return halts[0]!.index;
}

describe('catalogued bug B11 (barrier released after an ambiguous marker error)', () => {
  let cluster: ProcessCluster | undefined;
  const proxies: StallProxy[] = [];
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  it('control: without the switch the leader stays STUCK and latched, and the late marker commits without a halt', async () => {
    const setup = await startStallableCluster([], proxies);
    cluster = setup.cluster;
    const { phase2, write } = await phase2WithStalledMarker(setup);
    expect(phase2).toBe('ProposalTimeout');
    expect(await write).toBe('EnvelopeCutoverInProgress');
    await waitFor('the late marker to apply everywhere', 20_000, async () => {
      const cutovers = await Promise.all(cluster!.ids().map((id) => raftCutoverOf(cluster!, id)));
      return cutovers.every((c) => c > 0) ? true : undefined;
    });
    await sleep(1_000);
    for (const id of cluster.ids()) expect((await cluster.status(id)).halted, `${id} halted`).toBe(false);
    expect(await putOutcome(cluster, 'n1', 'still-stuck')).toBe('EnvelopeCutoverInProgress');
    expect(await registerOutcome(cluster, 'n1')).toBe('EncryptionUnsafeLatch');
  }, 90_000);

  it('B11: the write after the ambiguous error is admitted in cleartext and every replica halts when the marker commits', async () => {
    const setup = await startStallableCluster(['--bug', 'B11'], proxies);
    cluster = setup.cluster;
    const { phase2, write } = await phase2WithStalledMarker(setup);
    expect(phase2).toBe('ProposalTimeout');
    const haltIndex = await expectClusterHalted(cluster);
    // Admitted, so its outcome is unknown (it was appended), never the barrier's definite refusal.
    const outcome = await write;
    expect(['ProposalTimeout', 'HaltedWhilePending', 'DeadlineExceeded']).toContain(outcome);
    const cutover = await raftCutoverOf(cluster, 'n2');
    expect(cutover).toBeGreaterThan(0);
    expect(haltIndex).toBeGreaterThan(cutover);
  }, 90_000);
});
