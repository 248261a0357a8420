import { describe, expect, it } from 'vitest';
import { NodeError, NodeErrors } from '../proto/index.js';
import { asLogIndex } from '../raft/types.js';
import { ProposalRegistry } from './proposal-registry.js';
import { seededRandom } from './test/kv-fixture.js';

const applied = { index: asLogIndex(3), response: { kind: 'put' as const, commitTs: 1n } };

describe('ProposalRegistry', () => {
  it('allocates unique ids: a random high half per load and a counter', () => {
    const first = new ProposalRegistry({ random: { nextUint32: () => 0xabcdef01 } });
    const ids = Array.from({ length: 1000 }, () => first.allocateId());
    expect(new Set(ids).size).toBe(1000);
    expect(ids[0]).toBe(0xabcdef01_00000001n);
    const restarted = new ProposalRegistry({ random: seededRandom(99) });
    expect(ids.includes(restarted.allocateId())).toBe(false);
  });

  it('rejects a random source that does not return a uint32', () => {
    expect(() => new ProposalRegistry({ random: { nextUint32: () => -1 } })).toThrow(/uint32/);
    expect(() => new ProposalRegistry({ random: seededRandom(1), pendingProposalsMax: 0 })).toThrow(
      /pendingProposalsMax/,
    );
  });

  it('resolves a registered proposal once; unknown ids have no waiter', async () => {
    const registry = new ProposalRegistry({ random: seededRandom(1) });
    const pending = registry.register();
    expect(registry.pendingCount()).toBe(1);
    expect(registry.resolve(pending.id, applied)).toBe(true);
    expect(registry.resolve(pending.id, applied)).toBe(false);
    await expect(pending.applied).resolves.toEqual(applied);
    expect(registry.resolve(12345n, applied)).toBe(false);
  });

  it('is bounded: beyond pendingProposalsMax it refuses with the definite Overloaded error', () => {
    const registry = new ProposalRegistry({ random: seededRandom(1), pendingProposalsMax: 2 });
    registry.register();
    registry.register();
    let error: unknown;
    try {
      registry.register();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).code).toBe(NodeErrors.Overloaded.code);
    expect(NodeErrors.Overloaded.definite).toBe(true);
  });

  it('rejects every pending proposal with an indefinite registry error on leadership loss or halt', async () => {
    const registry = new ProposalRegistry({ random: seededRandom(1) });
    const a = registry.register();
    const b = registry.register();
    expect(registry.rejectAll('LeadershipLost', 'stepped down')).toBe(2);
    for (const pending of [a, b]) {
      const error = await pending.applied.catch((caught: unknown) => caught);
      expect((error as NodeError).spec).toBe(NodeErrors.LeadershipLost);
      expect((error as NodeError).spec.definite).toBe(false);
    }
    const c = registry.register();
    registry.rejectAll('HaltedWhilePending', 'halted');
    await expect(c.applied).rejects.toMatchObject({ spec: NodeErrors.HaltedWhilePending });
    expect(registry.pendingCount()).toBe(0);
  });

  it('rejects a single proposal with the caller-chosen error (e.g. a timeout)', async () => {
    const registry = new ProposalRegistry({ random: seededRandom(1) });
    const pending = registry.register();
    expect(registry.reject(pending.id, new NodeError('ProposalTimeout', 'deadline'))).toBe(true);
    await expect(pending.applied).rejects.toMatchObject({ spec: NodeErrors.ProposalTimeout });
  });
});
