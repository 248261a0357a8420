/**
 * `Get` with `local`: every node (followers and learners too) answers from
 * its own applied state, without ReadIndex or forwarding, and `read_index`
 * says which applied index the value belongs to: a value written at index A
 * is seen by every local read whose read_index is at least A, and never by
 * one below it. (The halted-node case is in halt.integration.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, NodeErrors } from '../proto/index.js';
import { ProcessCluster, waitFor } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('local Get', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  /** Local reads of `key` on `id` until its read_index reaches `index`; every answer must match the index it claims. */
  async function localReadAt(
    id: string,
    key: string,
    index: number,
    before: string | null,
    after: string,
  ): Promise<void> {
    const mismatches: string[] = [];
    await waitFor(
      `${id} to apply index ${index}`,
      15_000,
      async () => {
        const answer = await cluster!.kv(id).get({ key: utf8(key), local: true });
        const value = answer.found ? text(answer.value) : null;
        const expected = answer.readIndex >= index ? after : before;
        if (value !== expected)
          mismatches.push(
            `${id} at read_index ${answer.readIndex}: ${String(value)}, expected ${String(expected)} (written at ${index})`,
          );
        return answer.readIndex >= index ? true : undefined;
      },
      20,
    );
    expect(mismatches).toEqual([]);
  }

  it('serves followers and learners from their applied state, with the applied index it belongs to', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3', 'n4'], 3, ['--tick-ms', '20']);
    await cluster.startAll(['n1', 'n2', 'n3']);
    await cluster.start('n4');
    const leader = await cluster.waitForLeader(['n1', 'n2', 'n3']);
    await cluster.admin(leader).addLearner({ id: 'n4', address: cluster.address('n4') });
    const first = await cluster.kv(leader).put({ key: utf8('k'), value: utf8('v1') });
    for (const id of cluster.ids()) await localReadAt(id, 'k', first.appliedIndex, null, 'v1');

    // A follower that was down while v2 was written catches up: each local read matches its read_index.
    const follower = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
    await cluster.kill(follower, 'SIGTERM');
    const second = await cluster.kv(leader).put({ key: utf8('k'), value: utf8('v2') });
    await cluster.start(follower);
    await localReadAt(follower, 'k', second.appliedIndex, 'v1', 'v2');
    await localReadAt('n4', 'k', second.appliedIndex, 'v1', 'v2');

    // Without `local`, a follower asked not to forward still refuses (the linearizable path is unchanged).
    const refused = await cluster
      .kv(follower)
      .get({ key: utf8('k'), noForward: true })
      .catch((error: unknown) => error);
    expect(classifyError(refused).spec).toBe(NodeErrors.NotLeader);
  }, 60_000);
});
