import { describe, expect, it } from 'vitest';
import { bugCases } from '../catalogue/index.js';
import { scenarioRegistry, suiteScenarioRegistry } from './index.js';
import { suiteOptions } from './suite.js';

describe('the scenario suite', () => {
  it("runs every scenario of the suite (the stage suites' are validate-stage's), and only scenarios that exist", () => {
    expect(Object.keys(suiteOptions).sort()).toEqual([...suiteScenarioRegistry.keys()].sort());
  });

  it('proves at least the bugs the rollout issue names, each by a checker that names an invariant, in a scenario that exists', () => {
    const ids = bugCases.map((c) => c.id);
    for (const id of ['B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B11', 'B13', 'B16']) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of bugCases) {
      expect(scenarioRegistry.has(c.scenario), c.id).toBe(true);
      expect(c.caughtBy.length, c.id).toBeGreaterThan(0);
      expect(
        c.caughtBy.every((checker) =>
          ['halt-apply', 'encryption', 'availability', 'convergence', 'linearizability'].includes(checker),
        ),
        c.id,
      ).toBe(true);
      expect(c.detectedShare > 0 && c.detectedShare <= 1, c.id).toBe(true);
    }
  });

  it("every case's scenario names the case among its targets (what a scenario says it exposes is what the matrix runs it for)", () => {
    for (const c of bugCases) expect(scenarioRegistry.get(c.scenario)?.targets, c.id).toContain(c.id);
  });

  it('a hazard scenario has no other case: its correct-node run is the detection', () => {
    for (const hazard of bugCases.filter((c) => c.hazard === true))
      expect(bugCases.filter((c) => c.scenario === hazard.scenario).map((c) => c.id)).toEqual([hazard.id]);
  });

  it('every scenario names its targets, faults and a one-line summary', () => {
    for (const scenario of scenarioRegistry.values()) {
      expect(scenario.summary.length).toBeGreaterThan(20);
      expect(scenario.faults.length).toBeGreaterThan(5);
      expect(scenario.targets.length).toBeGreaterThan(0);
    }
  });
});
