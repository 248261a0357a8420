/**
 * Bug switches E17 and E21 (bug-catalogue.md §10.D) at the unit where they
 * deviate: the node's own writer registration against a closed cutover
 * barrier, and the wire local_epoch's range check.
 */
import { describe, expect, it } from 'vitest';
import { NodeError } from '../proto/index.js';
import { parseEpoch } from './encryption-admin-context.js';
import { systemClock } from './node-clock.js';
import { ProposalBarrier } from './proposal-barrier.js';
import { ownWriterRegistrar } from './writer-registrar.js';

const refusal = (call: () => unknown): string => {
  try {
    call();
    return 'accepted';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

describe('E21: wire local_epoch narrowed to 16 bits', () => {
  it('refuses an epoch above 0xFFFF with ErrLocalEpochOutOfRange without the switch; wraps it mod 65536 with it', () => {
    expect(refusal(() => parseEpoch(65_536, 'proposer_local_epoch'))).toMatch(
      /proposer_local_epoch: ErrLocalEpochOutOfRange: 65536/,
    );
    expect(parseEpoch(65_535, 'proposer_local_epoch')).toBe(65_535);
    const e21 = new Set(['E21']);
    expect(parseEpoch(65_536, 'proposer_local_epoch', e21)).toBe(0);
    expect(parseEpoch(65_541, 'proposer_local_epoch', e21)).toBe(5);
    // Not a number stays refused: the switch only drops the range check.
    expect(refusal(() => parseEpoch('x', 'proposer_local_epoch', e21))).toMatch(/ErrLocalEpochOutOfRange/);
  });
});

describe('E17: own registrations through the barrier-exempt admin path', () => {
  it("a leader's own registration is held by a closed cutover barrier without the switch and proposed through it with the switch", async () => {
    for (const [bugs, expected] of [
      [[], 'EnvelopeCutoverInProgress'],
      [['E17'], 'proposed'],
    ] as const) {
      const barrier = new ProposalBarrier(systemClock);
      const proposed: string[] = [];
      const register = ownWriterRegistrar({
        isLeader: () => true,
        // The node's user path (NodeCore.proposeRaw) runs through the barrier; the admin path does not.
        proposeLocally: (payload) => barrier.track(async () => proposed.push(`user ${payload.length}`)),
        proposeExempt: async (payload) => proposed.push(`admin ${payload.length}`),
        forwardToLeader: () => Promise.reject(new Error('a leader does not forward')),
        bugs: new Set(bugs),
      });
      barrier.begin();
      const outcome = await register({ dekId: 2, fullNodeId: 7n, localEpoch: 1 }, Date.now() + 1_000).then(
        () => 'proposed',
        (error: unknown) => (error instanceof NodeError ? error.spec.name : String(error)),
      );
      expect(outcome, `bugs ${bugs.join(',') || '-'}`).toBe(expected);
      expect(proposed.length).toBe(expected === 'proposed' ? 1 : 0);
    }
  });
});
