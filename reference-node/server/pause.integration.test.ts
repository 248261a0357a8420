/**
 * SIGSTOP of the leader: the others elect a new leader and keep serving;
 * after SIGCONT the old leader steps down, catches up and serves reads of
 * what was written while it was paused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessCluster, waitFor } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('paused leader', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('is replaced while paused and rejoins as a follower after resuming', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20']);
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const others = cluster.ids().filter((id) => id !== leader);
    await cluster.kv(leader).put({ key: utf8('before'), value: utf8('1') });

    cluster.signal(leader, 'SIGSTOP');
    const next = await cluster.waitForLeader(others);
    expect(next).not.toBe(leader);
    await cluster.kv(others[0]!).put({ key: utf8('during'), value: utf8('2') });
    cluster.signal(leader, 'SIGCONT');

    await waitFor('the old leader to follow the new one', 15_000, async () => {
      const status = await cluster!.status(leader);
      return status.role === 'follower' && status.leader !== '' && status.leader !== leader ? true : undefined;
    });
    expect(text((await cluster.kv(leader).get({ key: utf8('during') })).value)).toBe('2');
    expect(text((await cluster.kv(leader).get({ key: utf8('before') })).value)).toBe('1');
  }, 60_000);
});
