/**
 * A cluster survives snapshots of a store far larger than a call's argument
 * limit (issue 14: every node died with "Maximum call stack size exceeded"
 * once a snapshot spanned ~31,000 MVCC rows). The rows arrive as 0x01 batch
 * payloads through the test-only DebugProposeRaw (1,024 puts per entry), so
 * 50,000 rows take ~50 entries instead of 50,000 client round trips; a small
 * --snapshot-entries makes the snapshot come right after the load.
 *
 * A follower that was down during the load comes back behind the compacted
 * log and must install the leader's snapshot; another follower is restarted
 * and must start from its own snapshot file.
 *
 * On a loaded machine a snapshot of this size takes about a second, and the
 * leader may lose its term meanwhile (Raft allows it): calls go through
 * {@link throughElections}, which retries the errors of an election, as a
 * client must. Which node leads does not matter to any assertion.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeKvPayload, KvDefaults, type KvRequest } from '../kv/index.js';
import { ProcessCluster, waitFor } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const ROWS = 50_000;
const CONCURRENT_PROPOSALS = 4;
/**
 * Retries `call` while the cluster is between leaders, up to 20 s: the
 * refusals of a node that knows no leader (NoLeader, NotLeader,
 * ProposalDropped, ReadIndexTimeout) and LeadershipLost. Every call retried
 * here is a read or a put of a fixed value, so a second apply changes nothing
 * this test looks at.
 */
async function throughElections<T>(what: string, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const between =
        error instanceof Error &&
        /\b(NoLeader|NotLeader|ProposalDropped|LeadershipLost|ReadIndexTimeout)\b/.test(error.message);
      if (!between) throw error;
      if (Date.now() > deadline) throw new Error(`${what}: still between leaders after 20 s`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const keyOf = (i: number): string => `bulk-${String(i).padStart(6, '0')}`;
const valueOf = (i: number): string => `value-${i}`;

/** The batch payloads writing keys 0..ROWS-1, 1,024 puts each. */
function bulkPayloads(): Uint8Array[] {
  const payloads: Uint8Array[] = [];
  for (let start = 0; start < ROWS; start += KvDefaults.batchRequestsMax) {
    const requests: KvRequest[] = [];
    for (let i = start; i < Math.min(ROWS, start + KvDefaults.batchRequestsMax); i++) {
      // commitTs 0: the executor gives each put the next timestamp above the store's highest.
      requests.push({ kind: 'put', commitTs: 0n, key: utf8(keyOf(i)), value: utf8(valueOf(i)), ttlMs: 0n });
    }
    payloads.push(encodeKvPayload({ kind: 'batch', requests }));
  }
  return payloads;
}

describe('snapshot of a large store', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('keeps every node alive, serves early and late keys, and a lagging follower installs it', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, [
      '--tick-ms',
      '20',
      '--test-hooks',
      '--snapshot-entries',
      '40',
      '--snapshot-keep-entries',
      '4',
    ]);
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const [lagging, restarted] = ['n1', 'n2', 'n3'].filter((id) => id !== leader) as [string, string];
    const kv = cluster.kv(leader);
    await throughElections('the early put', () => kv.put({ key: utf8('early'), value: utf8('first') }));
    await waitFor(`${lagging} to apply the early put`, 20_000, async () =>
      (await cluster!.status(lagging)).appliedIndex >= (await cluster!.status(leader)).appliedIndex ? true : undefined,
    );
    await cluster.kill(lagging);

    const admin = cluster.admin(leader);
    const payloads = bulkPayloads();
    let lastBulkIndex = 0;
    const propose = async (): Promise<void> => {
      for (let payload = payloads.shift(); payload !== undefined; payload = payloads.shift()) {
        // A batch retried after NoLeader writes the same values again: harmless here.
        const applied = await throughElections('a bulk batch', () =>
          admin.debugProposeRaw({ payload }, { timeoutMs: 30_000 }),
        );
        lastBulkIndex = Math.max(lastBulkIndex, applied.appliedIndex);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_PROPOSALS }, propose));
    await throughElections('the late put', () => kv.put({ key: utf8('late'), value: utf8('last') }));
    // More entries until the leader snapshots above the whole bulk load (the late put included).
    let fillers = 0;
    await waitFor(
      'a snapshot above the bulk load on the leader',
      30_000,
      async () => {
        const status = await cluster!.status(leader);
        if (status.snapshotIndex > lastBulkIndex + 1) return status;
        await kv.put({ key: utf8(`filler-${fillers++}`), value: utf8('x') });
        return undefined;
      },
      0,
    );
    const target = (await cluster.status(leader)).appliedIndex;
    expect(cluster.logOf(leader)).toContain('snapshot taken');

    for (const id of [leader, restarted]) {
      expect(cluster.running(id)).toBe(true);
      const status = await cluster.status(id);
      expect(status.halted).toBe(false);
    }
    const read = async (key: string): Promise<string> =>
      text((await throughElections(`a read of ${key}`, () => kv.get({ key: utf8(key) }))).value);
    expect(await read('early')).toBe('first');
    expect(await read('late')).toBe('last');
    expect(await read(keyOf(ROWS - 1))).toBe(valueOf(ROWS - 1));

    // The lagging follower's log ends before the compaction point: only the snapshot can catch it up.
    await cluster.start(lagging);
    await waitFor(`${lagging} to catch up`, 30_000, async () => {
      const status = await cluster!.status(lagging);
      return status.appliedIndex >= target ? status : undefined;
    });
    expect(cluster.logOf(lagging)).toContain('installing snapshot');

    // A restart opens the node's own (large) snapshot file.
    expect(cluster.logOf(restarted)).toContain('snapshot taken');
    await cluster.kill(restarted);
    await cluster.start(restarted);
    await waitFor(`${restarted} to catch up after its restart`, 30_000, async () => {
      const status = await cluster!.status(restarted);
      return status.appliedIndex >= target ? status : undefined;
    });

    for (const id of [leader, lagging, restarted]) {
      expect(cluster.running(id)).toBe(true);
      const status = await cluster.status(id);
      expect(status.halted).toBe(false);
      const local = cluster.kv(id);
      expect(text((await local.get({ key: utf8('early'), local: true })).value)).toBe('first');
      expect(text((await local.get({ key: utf8('late'), local: true })).value)).toBe('last');
      expect(text((await local.get({ key: utf8(keyOf(ROWS / 2)), local: true })).value)).toBe(valueOf(ROWS / 2));
    }
  }, 120_000);
});
