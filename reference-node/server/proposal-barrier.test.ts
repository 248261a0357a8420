import { describe, expect, it } from 'vitest';
import type { NodeError } from '../proto/index.js';
import { NodeErrors } from '../proto/index.js';
import { systemClock } from './node-clock.js';
import { ProposalBarrier } from './proposal-barrier.js';

describe('ProposalBarrier', () => {
  it('refuses user proposals while closed and waits for the ones in flight', async () => {
    const barrier = new ProposalBarrier(systemClock);
    let finish = (): void => undefined;
    const inFlight = barrier.track(
      () =>
        new Promise<string>((resolve) => {
          finish = () => resolve('done');
        }),
    );
    barrier.begin();
    const refused = await barrier.track(async () => 'late').catch((error: unknown) => error);
    expect((refused as NodeError).spec).toBe(NodeErrors.EnvelopeCutoverInProgress);
    let drained = false;
    const draining = barrier.drained(5_000).then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    finish();
    await expect(inFlight).resolves.toBe('done');
    await draining;
    expect(drained).toBe(true);
    barrier.end();
    await expect(barrier.track(async () => 'again')).resolves.toBe('again');
  });

  it('gives up draining after the timeout with a refusal', async () => {
    const barrier = new ProposalBarrier(systemClock);
    void barrier.track(() => new Promise(() => undefined));
    barrier.begin();
    const error = await barrier.drained(20).catch((e: unknown) => e);
    expect((error as NodeError).spec).toBe(NodeErrors.EncryptionFailedPrecondition);
  });

  it('waitOpen (the B5 global gate) waits while closed: resolves on end(), or fails with ProposalTimeout at the deadline', async () => {
    const barrier = new ProposalBarrier(systemClock);
    await expect(barrier.waitOpen(Date.now())).resolves.toBeUndefined();
    barrier.begin();
    let opened = false;
    const waiting = barrier.waitOpen(Date.now() + 5_000).then(() => {
      opened = true;
    });
    await Promise.resolve();
    expect(opened).toBe(false);
    barrier.end();
    await waiting;
    expect(opened).toBe(true);
    barrier.begin();
    const error = await barrier.waitOpen(Date.now() + 20).catch((e: unknown) => e);
    expect((error as NodeError).spec).toBe(NodeErrors.ProposalTimeout);
    expect(barrier.isClosed).toBe(true);
  });
});
