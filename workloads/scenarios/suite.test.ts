import { describe, expect, it } from 'vitest';
import { scenarioRegistry } from './index.js';
import { suiteRuns } from './suite.js';

describe('the scenario suite', () => {
  it('runs every scenario, and only scenarios that exist', () => {
    expect(Object.keys(suiteRuns).sort()).toEqual([...scenarioRegistry.keys()].sort());
  });

  it('proves at least the bugs the rollout issue names, each by a checker that names an invariant', () => {
    const bugs = Object.values(suiteRuns).flatMap((s) => s.bugs.map((b) => b.id));
    for (const id of ['B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B11', 'B13', 'B16']) expect(bugs).toContain(id);
    for (const suite of Object.values(suiteRuns)) for (const bug of suite.bugs) expect(bug.caughtBy.every((c) => ['halt-apply', 'encryption', 'availability', 'convergence', 'linearizability'].includes(c))).toBe(true);
  });

  it('every scenario names its targets, faults and a one-line summary', () => {
    for (const scenario of scenarioRegistry.values()) {
      expect(scenario.summary.length).toBeGreaterThan(20);
      expect(scenario.faults.length).toBeGreaterThan(5);
      expect(scenario.targets.length).toBeGreaterThan(0);
    }
  });
});
