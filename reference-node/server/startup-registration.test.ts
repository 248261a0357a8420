/**
 * The 7a process-start registration: nothing in Phase 0; equal epoch marks
 * without a gate; an epoch behind the registry refuses startup; an epoch
 * ahead arms the barrier, registers (retrying with backoff), marks, and only
 * then releases; a stop leaves the barrier armed.
 */
import { describe, expect, it, vi } from 'vitest';
import { applyRegistration, emptySidecar, StateCache, type WriterRegistration } from '../encryption/index.js';
import { FakeRowStore } from '../encryption/test/fixtures.js';
import { createLogger } from './logger.js';
import { systemClock } from './node-clock.js';
import { StartupRegistration, StartupRegistrationError } from './startup-registration.js';

const me = 0x0abc_def0_1234_5678n;
const dek = 3;

function setup(options: { epoch: number; envelopeActive?: boolean; failures?: number }) {
  const stateCache = new StateCache();
  stateCache.prime({
    ...emptySidecar(),
    active: { storage: dek, raft: 4 },
    storageEnvelopeActive: options.envelopeActive ?? true,
  });
  const rows = new FakeRowStore();
  const events: string[] = [];
  const registered: WriterRegistration[] = [];
  let failures = options.failures ?? 0;
  const sleeps: number[] = [];
  const registration = new StartupRegistration({
    runtime: { stateCache, rows, me, epochs: { storage: options.epoch, raft: 0 } },
    barrier: {
      armBarrier: () => events.push('arm'),
      releaseBarrier: () => events.push(`release (registered=${stateCache.registered()})`),
    },
    register: async (reg) => {
      if (failures > 0) {
        failures--;
        throw new Error('no leader is known');
      }
      registered.push(reg);
      await applyRegistration(rows, reg, new Set());
    },
    logger: createLogger({ level: 'silent', format: 'json', nodeId: 't' }),
    clock: systemClock,
    // Recorded, and a macrotask so a test's own timers (and stop()) get their turn.
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  return { registration, stateCache, rows, events, registered, sleeps };
}

describe('StartupRegistration (7a)', () => {
  it('does nothing in Phase 0', async () => {
    const { registration, events, registered } = setup({ epoch: 2, envelopeActive: false });
    expect(await registration.install()).toBe('inactive');
    expect(events).toEqual([]);
    expect(registered).toEqual([]);
  });

  it('marks registered without a gate when the epoch equals the registry row', async () => {
    const { registration, rows, stateCache, events } = setup({ epoch: 2 });
    await applyRegistration(rows, { dekId: dek, fullNodeId: me, localEpoch: 2 }, new Set());
    expect(await registration.install()).toBe('registered');
    expect(stateCache.registered()).toBe(true);
    expect(events).toEqual([]);
  });

  it('refuses startup when the epoch is behind the registry row', async () => {
    const { registration, rows } = setup({ epoch: 2 });
    await applyRegistration(rows, { dekId: dek, fullNodeId: me, localEpoch: 5 }, new Set());
    await expect(registration.install()).rejects.toBeInstanceOf(StartupRegistrationError);
  });

  it('arms the barrier, registers with doubling backoff, marks, then releases', async () => {
    const { registration, stateCache, events, registered, sleeps, rows } = setup({ epoch: 3, failures: 3 });
    await applyRegistration(rows, { dekId: dek, fullNodeId: me, localEpoch: 1 }, new Set());
    expect(await registration.install()).toBe('armed');
    // The registration loop runs on after install(): wait for its release, not for a fixed time (a loaded machine outlasts any).
    await vi.waitFor(
      () => {
        expect(events).toContain('release (registered=true)');
      },
      { timeout: 20_000, interval: 5 },
    );
    expect(registered).toEqual([{ dekId: dek, fullNodeId: me, localEpoch: 3 }]);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(events).toEqual(['arm', 'release (registered=true)']);
    expect(stateCache.registered()).toBe(true);
  });

  it('verifies an attempt whose answer was lost but which committed, instead of proposing again', async () => {
    const { registration, rows, events, sleeps } = setup({ epoch: 4 });
    let calls = 0;
    // Replace the registrar: the entry commits, then the answer is lost.
    (registration as unknown as { deps: { register: (reg: WriterRegistration) => Promise<void> } }).deps.register =
      async (reg) => {
        calls++;
        await applyRegistration(rows, reg, new Set());
        throw new Error('forward to the leader failed after sending');
      };
    expect(await registration.install()).toBe('armed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(1);
    expect(sleeps).toEqual([100]);
    expect(events).toEqual(['arm', 'release (registered=true)']);
  });

  it('a stop leaves the barrier armed: there is no give-up path', async () => {
    const { registration, events, stateCache } = setup({ epoch: 3, failures: Number.POSITIVE_INFINITY });
    expect(await registration.install()).toBe('armed');
    await new Promise((resolve) => setTimeout(resolve, 10));
    await registration.stop();
    expect(events).toEqual(['arm']);
    expect(stateCache.registered()).toBe(false);
  });
});
