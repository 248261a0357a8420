import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../harness/generator/index.js';
import { buildPlan, planToJsonl } from '../harness/plan/index.js';
import type { PlanConfig } from '../harness/plan/index.js';
import { faultTuningDefaults, parseFaultList } from '../harness/nemesis/index.js';
import { registerWorkload } from './index.js';

const config = (overrides: Partial<PlanConfig> = {}): PlanConfig => ({
  workload: registerWorkload,
  workloadOptions: { keys: 4, nodes: ['n1', 'n2', 'n3'], canaryShare: 0 },
  rollout: null,
  nodes: ['n1', 'n2', 'n3'],
  concurrency: 5,
  timeLimitMs: 20_000,
  opsPerSecond: 50,
  faults: parseFaultList('partition,kill,pause'),
  nemesisIntervalMs: 3_000,
  faultTuning: faultTuningDefaults,
  recoveryMs: 5_000,
  planEventsMax: 100_000,
  ...overrides,
});

describe('register workload plan', () => {
  it('is the same for the same seed and config, different for another seed', () => {
    expect(planToJsonl(buildPlan(config(), new Random(1)))).toBe(planToJsonl(buildPlan(config(), new Random(1))));
    expect(planToJsonl(buildPlan(config(), new Random(2)))).not.toBe(planToJsonl(buildPlan(config(), new Random(1))));
  });

  it('writes unique values per key and cas moves to a fresh value', () => {
    const plan = buildPlan(config(), new Random(3));
    const seen = new Map<string, Set<number>>();
    for (const event of plan.events) {
      if (event.value.kind !== 'op' || event.value.op.f === 'read') continue;
      const { f, key, value } = event.value.op;
      const written = f === 'write' ? (value as number) : (value as [number | null, number])[1];
      const set = seen.get(key!) ?? new Set<number>();
      expect(set.has(written)).toBe(false);
      set.add(written);
      seen.set(key!, set);
    }
    expect(seen.size).toBe(4);
  });

  it('has main ops and faults within the time limit, then heal, recovery and a final read of every key', () => {
    const plan = buildPlan(config(), new Random(4));
    const heal = plan.events.findIndex((e) => e.value.kind === 'phase' && e.value.name === 'heal');
    expect(plan.events[heal]!.atMs).toBe(20_000);
    expect(plan.events[heal + 1]!.value).toEqual({ kind: 'nemesis', action: { f: 'heal-all' } });
    for (const event of plan.events.slice(0, heal)) expect(event.atMs).toBeLessThan(20_000);
    const final = plan.events.slice(heal).filter((e) => e.value.kind === 'op');
    expect(final.map((e) => (e.value.kind === 'op' ? e.value.op.key : '')).sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
    for (const event of final) {
      expect(event.atMs).toBe(25_000);
      expect(event.thread).toBeDefined();
    }
    const mainOps = plan.events.slice(0, heal).filter((e) => e.value.kind === 'op').length;
    expect(mainOps).toBeGreaterThan(900);
    expect(mainOps).toBeLessThan(1100);
  });
});

describe('register plan properties', () => {
  it('for any seed and config: same plan twice, main ops inside the time limit, faults only from the enabled set', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.record({
          keys: fc.integer({ min: 1, max: 10 }),
          concurrency: fc.integer({ min: 1, max: 12 }),
          timeLimitMs: fc.integer({ min: 1_000, max: 10_000 }),
          opsPerSecond: fc.integer({ min: 1, max: 300 }),
          nemesisIntervalMs: fc.integer({ min: 200, max: 3_000 }),
          faultText: fc.constantFrom('none', 'partition', 'kill,pause', 'partition-one-way,clock'),
        }),
        (seed, c) => {
          const plan = () => buildPlan(config({ ...c, faults: parseFaultList(c.faultText) }), new Random(seed));
          const a = plan();
          expect(planToJsonl(a)).toBe(planToJsonl(plan()));
          const heal = a.events.findIndex((e) => e.value.kind === 'phase' && e.value.name === 'heal');
          for (const event of a.events.slice(0, heal)) expect(event.atMs).toBeLessThan(c.timeLimitMs);
          if (c.faultText === 'none') expect(a.events.filter((e) => e.value.kind === 'nemesis')).toHaveLength(1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
