import { describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from './node-clock.js';

describe('systemClock', () => {
  it('runs a one-shot timer once, and not at all once cancelled', async () => {
    const fired: string[] = [];
    systemClock.after(5, () => fired.push('kept'));
    systemClock.after(5, () => fired.push('cancelled')).cancel();
    await systemClock.sleep(40);
    expect(fired).toEqual(['kept']);
  });

  it('repeats a periodic timer until cancelled', async () => {
    let runs = 0;
    const timer = systemClock.every(2, () => {
      runs += 1;
      if (runs === 3) timer.cancel();
    });
    await systemClock.sleep(80);
    expect(runs).toBe(3);
  });

  it('reads wall time in epoch milliseconds and monotonic time that never goes back', () => {
    const wall = systemClock.nowMs();
    expect(Math.abs(wall - Date.now())).toBeLessThan(1_000);
    const first = systemClock.monotonicMs();
    expect(systemClock.monotonicMs()).toBeGreaterThanOrEqual(first);
  });
});

describe('cryptoRandom', () => {
  it('draws 32-bit integers, floats in [0, 1) and v4 UUIDs', () => {
    for (let i = 0; i < 1_000; i += 1) {
      const n = cryptoRandom.nextUint32();
      expect(Number.isInteger(n) && n >= 0 && n < 2 ** 32).toBe(true);
      const x = cryptoRandom.nextFloat();
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(cryptoRandom.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
