import { describe, expect, it } from 'vitest';
import type { NodeHandle } from '../cluster/cluster-backend.js';
import { isHarnessError } from '../errors/index.js';
import type { NodeAccess, NodeStatusSummary } from './kv-connection.js';
import { haltedMajorityOf, leaderFrom, waitForLeader } from './leader.js';

const handle = (id: string): NodeHandle => ({
  id,
  clientAddress: `127.0.0.1:${id}`,
  peerAddress: `127.0.0.1:${id}`,
  running: true,
  paused: false,
});
const nodes = ['n1', 'n2', 'n3'].map(handle);
const summary = (id: string, fields: Partial<NodeStatusSummary> = {}): NodeStatusSummary => ({
  id,
  role: 'follower',
  term: 2,
  leader: '',
  halted: false,
  version: 'test',
  stage: '6F',
  bugs: [],
  ...fields,
});

/** A NodeAccess answering the statuses `answers()` gives at each round. */
function accessOf(answers: () => readonly NodeStatusSummary[]): NodeAccess & { rounds: number } {
  const access = {
    rounds: 0,
    connect: () => {
      throw new Error('not used');
    },
    status: (id: string) => {
      if (id === 'n1') access.rounds += 1;
      const found = answers().find((s) => s.id === id);
      return found === undefined ? Promise.reject(new Error(`${id} down`)) : Promise.resolve(found);
    },
    close: () => undefined,
  };
  return access;
}

describe('leader discovery', () => {
  it('agrees on a leader only when a majority follows it, and never on a halted one', () => {
    const statuses = [summary('n1', { role: 'leader', leader: 'n1' }), summary('n2', { leader: 'n1' }), summary('n3')];
    expect(leaderFrom(statuses, 3)).toBe('n1');
    expect(leaderFrom(statuses.slice(0, 1), 3)).toBeNull();
    expect(
      leaderFrom([summary('n1', { role: 'leader', leader: 'n1', halted: true }), summary('n2', { leader: 'n1' })], 3),
    ).toBeNull();
  });

  it('counts a halted majority', () => {
    expect(
      haltedMajorityOf([summary('n1', { halted: true }), summary('n2', { halted: true }), summary('n3')], 3),
    ).toEqual(['n1', 'n2']);
    expect(haltedMajorityOf([summary('n1', { halted: true }), summary('n2')], 3)).toBeNull();
  });

  it('waits until a leader is agreed', async () => {
    let round = 0;
    const access = accessOf(() =>
      ++round < 6
        ? [summary('n1'), summary('n2'), summary('n3')]
        : [
            summary('n1', { role: 'leader', leader: 'n1' }),
            summary('n2', { leader: 'n1' }),
            summary('n3', { leader: 'n1' }),
          ],
    );
    expect(await waitForLeader(access, () => nodes, { waitMaxMs: 60_000, pollMs: 1, rpcTimeoutMs: 100 })).toBe('n1');
  });

  it('stops waiting at once when a majority halted (no leader can come), naming the halted nodes', async () => {
    const access = accessOf(() => [summary('n1', { halted: true }), summary('n2', { halted: true }), summary('n3')]);
    const error = await waitForLeader(access, () => nodes, { waitMaxMs: 60_000, pollMs: 1, rpcTimeoutMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(isHarnessError(error, 'CLUSTER_HALTED')).toBe(true);
    expect(String(error)).toContain('a majority halted (n1, n2)');
    expect(access.rounds).toBe(1);
  });

  it('gives up after its bound with CLUSTER_NOT_READY when nobody leads and no majority halted', async () => {
    const access = accessOf(() => [summary('n1', { halted: true }), summary('n2')]);
    const error = await waitForLeader(access, () => nodes, { waitMaxMs: 20, pollMs: 1, rpcTimeoutMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(isHarnessError(error, 'CLUSTER_NOT_READY')).toBe(true);
    expect(access.rounds).toBeGreaterThan(1);
  });
});
