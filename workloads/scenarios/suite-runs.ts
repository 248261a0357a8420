/**
 * The scenario suite's control runs: every scenario that no catalogued case
 * runs (the bug matrix runs the others, each next to its own control), once
 * on the correct node with the suite's seed and options, which must come
 * back VALID by every checker with the rollout complete.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugCases } from '../catalogue/index.js';
import { describeRun, requireBuilt, runHarness } from '../testing/harness-process.js';
import { suiteScenarioRegistry } from './index.js';
import { suiteOptionsOf, suiteSeed } from './suite.js';

const rolloutCheckers = ['linearizability', 'halt-apply', 'encryption', 'availability', 'convergence'];

/** The scenarios whose only suite run is their control (no catalogued case runs them). */
export function controlOnlyScenarios(): string[] {
  const matrixScenarios = new Set(bugCases.map((c) => c.scenario));
  return [...suiteScenarioRegistry.keys()].filter((s) => !matrixScenarios.has(s));
}

/** Declares the control test of each of `scenarios`. */
export function describeScenarioControls(title: string, scenarios: readonly string[]): void {
  let store = '';
  beforeAll(() => {
    requireBuilt();
    store = mkdtempSync(join(tmpdir(), 'ekv-scenarios-'));
  });
  afterAll(() => rmSync(store, { recursive: true, force: true }));

  describe(title, () => {
    for (const scenario of scenarios) {
      const args = ['test', '--scenario', scenario, '--seed', String(suiteSeed), ...suiteOptionsOf(scenario)];
      it(`${scenario}: the correct node is VALID, the rollout completed, every node inspected`, async () => {
        const run = await runHarness(store, `${scenario}-control`, args);
        expect(run.code, describeRun(run)).toBe(0);
        for (const checker of rolloutCheckers) expect(run.results?.checkers[checker]?.valid, checker).toBe(true);
        const execution = JSON.parse(readFileSync(join(run.runDir!, 'execution.json'), 'utf8')) as {
          rollout: { stepsCompleted: number; stepsPlanned: number };
        };
        expect(execution.rollout.stepsCompleted).toBe(execution.rollout.stepsPlanned);
      }, 300_000);
    }
  });
}
