/**
 * The body of the scenario suite's integration tests, shared by the test
 * files that split the scenarios: a control per scenario and a detection run
 * per catalogued case of that scenario (workloads/catalogue), each checked
 * against what the case declares.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, requireBuilt, runHarness } from '../testing/harness-process.js';
import type { HarnessRun } from '../testing/harness-process.js';
import { bugCases } from '../catalogue/index.js';
import { suiteOptionsOf, suiteSeed } from './suite.js';

const rolloutCheckers = ['linearizability', 'halt-apply', 'encryption', 'availability', 'convergence'];

/** Declares the control and detection tests of `scenarios`. */
export function describeScenarioSuite(title: string, scenarios: readonly string[]): void {
  let store = '';
  beforeAll(() => {
    requireBuilt();
    store = mkdtempSync(join(tmpdir(), 'ekv-scenarios-'));
  });
  afterAll(() => rmSync(store, { recursive: true, force: true }));

  describe(title, () => {
    for (const scenario of scenarios) {
      const args = ['test', '--scenario', scenario, '--seed', String(suiteSeed), ...suiteOptionsOf(scenario)];
      const cases = bugCases.filter((c) => c.scenario === scenario);
      const hazard = cases.find((c) => c.hazard === true);
      if (hazard === undefined) {
        it(`${scenario}: the correct node is VALID, the rollout completed, every node inspected`, async () => {
          const run = await runHarness(store, `${scenario}-control`, args);
          expect(run.code, describeRun(run)).toBe(0);
          for (const checker of rolloutCheckers) expect(run.results?.checkers[checker]?.valid, checker).toBe(true);
          const execution = JSON.parse(readFileSync(join(run.runDir!, 'execution.json'), 'utf8')) as { rollout: { stepsCompleted: number; stepsPlanned: number } };
          expect(execution.rollout.stepsCompleted).toBe(execution.rollout.stepsPlanned);
        }, 300_000);
      } else {
        it(`${scenario}: the correct node reproduces hazard ${hazard.id}, INVALID by ${hazard.caughtBy.join(' or ')}`, async () => {
          const run = await runHarness(store, `${scenario}-${hazard.id}`, args);
          expectCaught(run, hazard.caughtBy);
        }, 300_000);
      }

      for (const bug of cases.filter((c) => c.hazard !== true)) {
        it(`${scenario} with --bug ${bug.id}: INVALID by ${bug.caughtBy.join(' or ')}`, async () => {
          const run = await runHarness(store, `${scenario}-${bug.id}`, [...args, '--bug', bug.id]);
          expectCaught(run, bug.caughtBy);
        }, 300_000);
      }
    }
  });
}

/** The run is INVALID, and one of `caughtBy` is among the checkers that said so. */
function expectCaught(run: HarnessRun, caughtBy: readonly string[]): void {
  expect(run.code, describeRun(run)).toBe(1);
  const fired = Object.entries(run.results?.checkers ?? {}).filter(([, c]) => c.valid === false).map(([name]) => name);
  expect(fired.filter((name) => caughtBy.includes(name)), `checkers that fired: ${fired.join(', ')}`).not.toEqual([]);
}
