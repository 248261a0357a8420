// Property tests of the checker (fast-check; seeds are printed on failure).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryOp, HistoryValue } from '../history/index.js';
import { casRegisterModel, check, checkOperations } from '../linearizability/index.js';
import type { Operation, RegisterInput, RegisterOutput } from '../linearizability/index.js';
import { simulateRegisterHistory } from '../testing/index.js';
import { bruteForceLinearizable } from './brute-force.js';

const simulation = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  ops: fc.integer({ min: 1, max: 300 }),
  processes: fc.integer({ min: 1, max: 8 }),
  keys: fc.integer({ min: 0, max: 4 }),
  unknownRate: fc.constantFrom(0, 0.05, 0.2),
  values: fc.integer({ min: 2, max: 6 }),
  cas: fc.boolean(),
});

describe('simulated histories', () => {
  it('a sequential store under random concurrency is always linearizable', () => {
    fc.assert(
      fc.property(simulation, (options) => {
        const history = simulateRegisterHistory(options);
        expect(check(casRegisterModel(), history).valid).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  // Refuting a history means exhausting the search, which is exponential in
  // the pending unknown outcomes (as for knossos and porcupine): keep these
  // histories small enough to refute quickly.
  const refutable = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    ops: fc.integer({ min: 1, max: 120 }),
    processes: fc.integer({ min: 1, max: 5 }),
    keys: fc.integer({ min: 0, max: 3 }),
    unknownRate: fc.constantFrom(0, 0.05),
    values: fc.integer({ min: 2, max: 6 }),
    cas: fc.boolean(),
  });

  it('a read of a value never written makes the history not linearizable', () => {
    fc.assert(
      fc.property(refutable, fc.nat(), (options, pick) => {
        const history = simulateRegisterHistory(options);
        const reads = history.filter((op) => op.type === 'ok' && op.f === 'read');
        fc.pre(reads.length > 0);
        const victim = reads[pick % reads.length];
        const mutated = history.map((op) => (op === victim ? { ...op, value: 'never-written' } : op));
        const result = check(casRegisterModel(), mutated);
        expect(result.valid).toBe(false);
        if (result.valid === false) expect(result.op.index).toBeLessThanOrEqual(victim?.index ?? 0);
      }),
      { numRuns: 150 },
    );
  });

  it('making a write invisible (dropping it) while a later read saw its unique value is not linearizable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 5, max: 200 }),
        fc.integer({ min: 1, max: 6 }),
        (seed, ops, processes) => {
          // Unique values: each write writes a value nobody else writes.
          const base = simulateRegisterHistory({ seed, ops, processes, keys: 0, unknownRate: 0, values: 1_000_000 });
          const observed = new Set(
            base
              .filter((op) => op.type === 'ok' && op.f === 'read' && op.value !== null)
              .map((op) => JSON.stringify(op.value)),
          );
          const write = base.find(
            (op) => op.type === 'invoke' && op.f === 'write' && observed.has(JSON.stringify(op.value)),
          );
          fc.pre(write !== undefined && base.filter((op) => op.f === 'write' && op.value === write.value).length === 2);
          const mutated = reindex(
            base.filter((op) => !(op.process === write?.process && op.f === 'write' && op.value === write.value)),
          );
          expect(check(casRegisterModel(), mutated).valid).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});

function reindex(history: readonly HistoryOp[]): HistoryOp[] {
  return history.map((op, index) => ({ ...op, index }));
}

const smallValue = fc.integer({ min: 0, max: 2 });
const smallOp = fc.record({
  process: fc.nat(3),
  call: fc.integer({ min: 0, max: 20 }),
  length: fc.integer({ min: 0, max: 8 }),
  unknown: fc.boolean(),
  kind: fc.constantFrom('read', 'write', 'cas'),
  value: smallValue,
  newValue: smallValue,
  casOk: fc.boolean(),
});

describe('agreement with a brute-force checker', () => {
  it('gives the same verdict on small random histories (with unknown outcomes)', () => {
    fc.assert(
      fc.property(fc.array(smallOp, { minLength: 1, maxLength: 7 }), smallValue, (specs, initial) => {
        const model = casRegisterModel({ initial });
        const ops: Operation<RegisterInput, RegisterOutput>[] = specs.map((s) => {
          const input: RegisterInput = { kind: s.kind, key: undefined, value: s.value, newValue: s.newValue };
          const output: RegisterOutput = s.kind === 'read' ? s.value : s.kind === 'cas' ? s.casOk : null;
          // Register values are interned ids; ids 0…2 are the initial value and two others.
          return {
            process: s.process,
            call: s.call,
            ...(s.unknown ? {} : { return: s.call + s.length }),
            input,
            output,
          };
        });
        model.decode({ process: 0, f: 'write', invokeValue: (initial + 1) % 3, completionValue: null, outcome: 'ok' });
        model.decode({ process: 0, f: 'write', invokeValue: (initial + 2) % 3, completionValue: null, outcome: 'ok' });
        const expected = bruteForceLinearizable(model, ops);
        expect(checkOperations(model, ops).valid).toBe(expected);
      }),
      { numRuns: Number(process.env.CHECKER_PROPERTY_RUNS ?? 400) },
    );
  });
});

describe('P-compositionality', () => {
  it('results do not depend on the order in which independent partitions interleave', () => {
    const keyed = (seed: number, key: string, corrupt: boolean): HistoryOp[] => {
      const history = simulateRegisterHistory({
        seed,
        ops: 40,
        processes: 3,
        keys: 0,
        unknownRate: 0.1,
        values: 4,
        cas: true,
      });
      return history.map((op) => ({
        ...op,
        key,
        // Distinct client processes per key (strings are non-client processes such as the nemesis).
        process: typeof op.process === 'number' ? op.process + (key === 'a' ? 0 : 1000) : op.process,
        value: corrupt && op.type === 'ok' && op.f === 'read' ? 'bogus' : op.value,
      }));
    };
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }),
        fc.boolean(),
        (seedA, seedB, choices, corruptB) => {
          const a = keyed(seedA, 'a', false);
          const b = keyed(seedB, 'b', corruptB);
          const merged = interleave(a, b, choices);
          const other = interleave(
            b,
            a,
            choices.map((c) => !c),
          );
          const results = [merged, other, [...a, ...b], [...b, ...a]].map((h) =>
            check(casRegisterModel(), reindex(h), { stopAtFirstFailure: false }),
          );
          const summary = results.map((r) => [
            r.valid,
            [...r.partitions].sort((x, y) => String(x.key).localeCompare(String(y.key))).map((p) => [p.key, p.valid]),
          ]);
          for (const s of summary) expect(s).toEqual(summary[0]);
          const hasRead = b.some((op) => op.type === 'ok' && op.f === 'read');
          expect(results[0]?.valid).toBe(!(corruptB && hasRead));
        },
      ),
      { numRuns: 100 },
    );
  });
});

function interleave<T>(a: readonly T[], b: readonly T[], choices: readonly boolean[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  let c = 0;
  while (i < a.length || j < b.length) {
    const takeA = j >= b.length || (i < a.length && (choices[c++ % choices.length] ?? true));
    out.push((takeA ? a[i++] : b[j++]) as T);
  }
  return out;
}

export type { HistoryValue };
