import { describe, expect, it } from 'vitest';
import { simulateRegisterHistory } from '../testing/index.js';
import { casRegisterModel, check, checkAsync } from './index.js';

// A history that takes a while to refute: many pending unknown outcomes before
// a read of a value nobody wrote (exhaustive search, see README).
function hardHistory() {
  const history = simulateRegisterHistory({
    seed: 3,
    ops: 300,
    processes: 8,
    keys: 0,
    unknownRate: 0.2,
    values: 4,
    cas: true,
  });
  const reads = history.filter((op) => op.type === 'ok' && op.f === 'read');
  const victim = reads[Math.floor(reads.length * 0.8)];
  return history.map((op) => (op === victim ? { ...op, value: 'never-written' } : op));
}

describe('budget and cancellation', () => {
  it('an exhausted budget gives unknown with the longest linearizable prefix', () => {
    let clockMs = 0;
    // A fake clock that advances 1 ms per reading: the 50 ms budget runs out mid-search.
    const result = check(casRegisterModel(), hardHistory(), { budgetMs: 50, now: () => (clockMs += 1) });
    if (result.valid !== 'unknown') throw new Error(`expected unknown, got ${String(result.valid)}`);
    expect(result.reason).toBe('budget-exhausted');
    expect(result.longestPrefix.okOps).toBeGreaterThan(0);
    expect(result.longestPrefix.frontier).not.toBeNull();
  });

  it('an aborted signal cancels the search', () => {
    const controller = new AbortController();
    controller.abort();
    const result = check(casRegisterModel(), hardHistory(), { signal: controller.signal });
    expect(result.valid).toBe('unknown');
    if (result.valid === 'unknown') expect(result.reason).toBe('cancelled');
  });

  it('a tiny cache allowance gives unknown (cache-full) instead of unbounded memory', () => {
    const result = check(casRegisterModel(), hardHistory(), { cacheEntriesMax: 1000 });
    expect(result.valid).toBe('unknown');
    if (result.valid === 'unknown') expect(result.reason).toBe('cache-full');
  });

  it('a memory budget too small for the search gives unknown (cache-full)', () => {
    const result = check(casRegisterModel(), hardHistory(), { memoryBytesMax: 64 * 1024 });
    expect(result.valid).toBe('unknown');
    if (result.valid === 'unknown') expect(result.reason).toBe('cache-full');
  });

  it('checkAsync lets an abort that waits on the event loop stop a running search', async () => {
    const controller = new AbortController();
    // Runs at the first return to the event loop, that is, after the first slice.
    setImmediate(() => {
      controller.abort();
    });
    const result = await checkAsync(casRegisterModel(), hardHistory(), { signal: controller.signal, yieldEveryMs: 0 });
    if (result.valid !== 'unknown') throw new Error(`expected unknown, got ${String(result.valid)}`);
    expect(result.reason).toBe('cancelled');
    expect(result.partitions[0]?.elapsedMs).toBeGreaterThan(0);
  });

  it('checkAsync gives the same verdict as check when nothing stops it', async () => {
    const history = simulateRegisterHistory({
      seed: 5,
      ops: 400,
      processes: 6,
      keys: 2,
      unknownRate: 0.1,
      values: 4,
      cas: true,
    });
    expect((await checkAsync(casRegisterModel(), history, { yieldEveryMs: 0 })).valid).toBe(
      check(casRegisterModel(), history).valid,
    );
  });
});
