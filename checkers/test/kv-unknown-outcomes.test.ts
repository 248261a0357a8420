// kv histories rich in unknown-outcome puts and appends: verdicts agree with
// the brute-force checker on small histories, and on larger ones the number of
// memoized configurations stays within a bound linear in the history's size
// (each pending unknown op used to multiply it by ~8-10).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, kvModel } from '../linearizability/index.js';
import { prepareHistory } from '../linearizability/prepare-history.js';
import { startPartitionSearch } from '../linearizability/search.js';
import type { UnknownOrder } from '../linearizability/search.js';
import { simulateKvHistory } from '../testing/index.js';
import { bruteForceLinearizable } from './brute-force.js';

const small = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  ops: fc.integer({ min: 1, max: 8 }),
  processes: fc.integer({ min: 1, max: 4 }),
  unknownRate: fc.constantFrom(0.3, 0.6, 0.9),
  buggy: fc.boolean(),
  mix: fc.constantFrom<readonly [number, number, number]>([45, 40, 15], [30, 20, 50], [40, 50, 10]),
});

describe('kv histories with unknown outcomes', () => {
  it("get the brute-force checker's verdict on small histories of a correct and a buggy store", () => {
    let invalid = 0;
    fc.assert(
      fc.property(small, fc.nat(), fc.boolean(), (options, pick, corrupt) => {
        let history = simulateKvHistory({ ...options, keys: 1 });
        // Sometimes a get returns what another write wrote: mostly not linearizable, sometimes still fine.
        const gets = history.filter((op) => op.type === 'ok' && op.f === 'get');
        const writes = history.filter((op) => op.type === 'invoke' && op.f !== 'get');
        const victim = gets[pick % Math.max(1, gets.length)];
        const written = writes[pick % Math.max(1, writes.length)];
        if (corrupt && victim !== undefined && written !== undefined)
          history = history.map((op) => (op === victim ? { ...op, value: written.value } : op));
        const model = kvModel();
        const ops = prepareHistory(model, history, { semantics: 'porcupine' });
        const expected = bruteForceLinearizable(model, ops);
        if (!expected) invalid += 1;
        expect(check(model, history, { semantics: 'porcupine' }).valid).toBe(expected);
        // Each order alone is exhaustive too (check runs them side by side and takes the first verdict).
        for (const order of ['lazy', 'eager'] as const satisfies readonly UnknownOrder[]) {
          const search = startPartitionSearch(
            model,
            ops,
            { shouldStop: () => undefined, cacheAllowance: { remaining: Infinity, bytesRemaining: Infinity } },
            order,
          );
          expect(search.resume(1_000_000)?.kind).toBe(expected ? 'linearizable' : 'not-linearizable');
        }
      }),
      { numRuns: Number(process.env.CHECKER_PROPERTY_RUNS ?? 400) },
    );
    // The property must see both verdicts to mean anything.
    expect(invalid).toBeGreaterThan(0);
  });

  // Measured: 4-7 configurations per op at 8 processes, flat from 2,000 to
  // 8,000 ops; before the disposal edge and the eager order, 6 pending appends
  // alone cost 1.6 million (about 100,000 per op). The cost is linear, not
  // multiplied per pending op, but it has a tail on short histories at high
  // concurrency: in 1,500 sampled histories of 200-500 ops at 6-8 processes the
  // median was 2.6 per op and the four worst 110, 52, 28 and 25; fast-check found
  // 165 (seed -490721405, path 56:31: 200 ops, 7 processes, 20% unknown) and 29
  // (seed 544760013, 452 ops, 8 processes, 30%). An earlier bound of 20 per op
  // failed on those (about 1 CI run in 20): the bound below is the linear one the
  // search keeps, far under what a per-pending-op multiplication gives (with
  // 40+ pending ops here, astronomically many).
  it('memoize a number of configurations linear in the operations (at most 1,000 per op) on valid histories with 20-30% unknown writes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 200, max: 3_000 }),
        fc.integer({ min: 2, max: 8 }),
        fc.constantFrom(0.2, 0.3),
        (seed, ops, processes, unknownRate) => {
          const history = simulateKvHistory({ seed, ops, processes, keys: 2, unknownRate });
          const result = check(kvModel(), history, { semantics: 'porcupine' });
          expect(result.valid).toBe(true);
          const entries = result.partitions.reduce((total, p) => total + p.cacheEntries, 0);
          expect(entries).toBeLessThanOrEqual(1_000 * result.ops);
        },
      ),
      { numRuns: 60 },
    );
  });
});
