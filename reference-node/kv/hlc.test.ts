import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hlcLogical, hlcPhysicalMs, hlcTimestamp } from '../storage/index.js';
import { decodeKvPayload } from './fsm-payload.js';
import { Hlc } from './hlc.js';
import { ManualClock } from './test/kv-fixture.js';

describe('Hlc', () => {
  it('is strictly monotone whatever the clock does (steps back, stalls, jumps)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5000, max: 5000 }), { maxLength: 200 }), (steps) => {
        const clock = new ManualClock(1_000_000);
        const hlc = new Hlc(clock);
        let previous = hlc.now();
        for (const step of steps) {
          clock.ms = Math.max(0, clock.ms + step);
          const next = hlc.now();
          expect(next > previous).toBe(true);
          previous = next;
        }
      }),
    );
  });

  it('uses the clock for the physical part and counts logically while the clock stalls', () => {
    const clock = new ManualClock(500);
    const hlc = new Hlc(clock);
    expect(hlc.now()).toBe(hlcTimestamp(500n, 0n));
    expect(hlc.now()).toBe(hlcTimestamp(500n, 1n));
    clock.ms = 400;
    expect(hlc.now()).toBe(hlcTimestamp(500n, 2n));
    clock.ms = 900;
    expect(hlc.now()).toBe(hlcTimestamp(900n, 0n));
    expect(hlc.peek()).toBe(hlcTimestamp(900n, 0n));
  });

  it('moves to the next millisecond when the logical counter is exhausted', () => {
    const hlc = new Hlc(new ManualClock(10));
    hlc.observe(hlcTimestamp(10n, 0xfffen));
    const next = hlc.now();
    expect(hlcPhysicalMs(next)).toBe(11n);
    expect(hlcLogical(next)).toBe(0n);
  });

  it('never issues at or below an observed commit timestamp', () => {
    const hlc = new Hlc(new ManualClock(100));
    hlc.observe(hlcTimestamp(5000n, 3n));
    expect(hlc.now()).toBe(hlcTimestamp(5000n, 4n));
  });

  it('after a leader change, never issues below the applied lease ceiling, even with a clock far behind', () => {
    const oldLeader = new Hlc(new ManualClock(10_000));
    const lease = decodeKvPayload(oldLeader.leaseRenewalPayload(2_000));
    expect(lease).toEqual({ kind: 'leaseRenewal', ceilingMs: 12_000 });
    const newLeaderClock = new ManualClock(3_000);
    const newLeader = new Hlc(newLeaderClock);
    newLeader.applyLeaseCeiling(12_000);
    newLeader.applyLeaseCeiling(11_000);
    expect(newLeader.ceilingMs()).toBe(12_000);
    // A follower keeps its own clock until it leads…
    expect(hlcPhysicalMs(newLeader.now())).toBe(3_000n);
    newLeader.fenceForLeadership();
    const issued = newLeader.now();
    expect(hlcPhysicalMs(issued)).toBeGreaterThanOrEqual(12_000n);
    newLeaderClock.ms = 20_000;
    expect(hlcPhysicalMs(newLeader.now())).toBe(20_000n);
  });

  it('refuses a non-positive lease length', () => {
    expect(() => new Hlc(new ManualClock()).leaseRenewalPayload(0)).toThrow(/leaseMs/);
  });
});
