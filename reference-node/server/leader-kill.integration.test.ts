/**
 * kill -9 of the leader in the middle of a write load: every acknowledged
 * write is readable afterwards from every surviving node, a new leader
 * serves, and the killed node catches up after its restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../proto/index.js';
import { ProcessCluster, waitFor } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('leader crash under load', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('loses no acknowledged write when the leader is killed with SIGKILL', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20', '--proposal-timeout-ms', '2000']);
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const survivors = cluster.ids().filter((id) => id !== leader);
    const acked = new Map<string, string>();
    const outcomes = { ok: 0, definite: 0, indefinite: 0 };
    let stop = false;
    // Writers spread over all nodes (the leader too), each key written once.
    const writers = Array.from({ length: 6 }, async (_, writer) => {
      const target = cluster!.ids()[writer % 3]!;
      const client = cluster!.kv(target);
      for (let sequence = 0; !stop; sequence++) {
        const key = `w${writer}-${sequence}`;
        try {
          await client.put({ key: utf8(key), value: utf8(`v${sequence}`) }, { timeoutMs: 3_000 });
          acked.set(key, `v${sequence}`);
          outcomes.ok++;
        } catch (error) {
          if (classifyError(error).definite) outcomes.definite++;
          else outcomes.indefinite++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
    await waitFor('some acknowledged writes', 10_000, async () => (acked.size >= 50 ? true : undefined));
    expect(await cluster.kill(leader)).toBe(null);
    const ackedAtKill = acked.size;
    const newLeader = await cluster.waitForLeader(survivors);
    expect(survivors).toContain(newLeader);
    await waitFor('writes acknowledged by the new leader', 15_000, async () =>
      acked.size >= ackedAtKill + 30 ? true : undefined,
    );
    stop = true;
    await Promise.all(writers);

    for (const reader of survivors) {
      const client = cluster.kv(reader);
      for (const [key, value] of acked) {
        const got = await client.get({ key: utf8(key) });
        expect(got.found, `${key} on ${reader}`).toBe(true);
        expect(text(got.value)).toBe(value);
      }
    }
    await cluster.start(leader);
    const leaderStatus = await cluster.status(newLeader);
    await waitFor('the restarted node to catch up', 15_000, async () => {
      const status = await cluster!.status(leader);
      return status.appliedIndex >= leaderStatus.commitIndex ? true : undefined;
    });
    expect(outcomes.ok).toBe(acked.size);
  }, 60_000);
});
