/**
 * The write gate: the first-write barrier holds writes until released and
 * refuses at the deadline with the definite WriterNotRegistered; BlockMutators
 * refuses at once with MutatorsBlocked while its predicate holds.
 */
import { describe, expect, it } from 'vitest';
import { NodeError } from '../proto/index.js';
import { systemClock } from './node-clock.js';
import { WriteGate } from './write-gate.js';

const nameOf = (error: unknown): string => (error instanceof NodeError ? error.spec.name : String(error));

describe('WriteGate', () => {
  it('admits at once when nothing is armed or blocked', async () => {
    const gate = new WriteGate({ barrierWaitMsMax: 1_000, clock: systemClock });
    await expect(gate.admit(Infinity)).resolves.toBeUndefined();
    expect(gate.barrierArmed).toBe(false);
  });

  it('holds a write at the armed barrier until it is released', async () => {
    const gate = new WriteGate({ barrierWaitMsMax: 10_000, clock: systemClock });
    gate.armBarrier();
    let admitted = false;
    const write = gate.admit(Infinity).then(() => {
      admitted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(admitted).toBe(false);
    gate.releaseBarrier();
    await write;
    expect(admitted).toBe(true);
    expect(gate.barrierArmed).toBe(false);
  });

  it('refuses with the definite WriterNotRegistered at the client deadline', async () => {
    const gate = new WriteGate({ barrierWaitMsMax: 10_000, replyMarginMs: 0, clock: systemClock });
    gate.armBarrier();
    const error = await gate.admit(Date.now() + 30).catch((e: unknown) => e);
    expect(nameOf(error)).toBe('WriterNotRegistered');
    expect((error as NodeError).spec.definite).toBe(true);
    expect(gate.barrierArmed).toBe(true);
  });

  it('bounds the wait of a write without deadline by barrierWaitMsMax', async () => {
    const gate = new WriteGate({ barrierWaitMsMax: 20, clock: systemClock });
    gate.armBarrier();
    expect(nameOf(await gate.admit(Infinity).catch((e: unknown) => e))).toBe('WriterNotRegistered');
  });

  it('refuses with MutatorsBlocked exactly while the predicate holds', async () => {
    const gate = new WriteGate({ barrierWaitMsMax: 1_000, clock: systemClock });
    let blocked = true;
    gate.blockMutatorsWhile(() => blocked);
    expect(nameOf(await gate.admit(Infinity).catch((e: unknown) => e))).toBe('MutatorsBlocked');
    blocked = false;
    await expect(gate.admit(Infinity)).resolves.toBeUndefined();
  });
});
