/**
 * The body of the scenario suite's integration tests, shared by the two test
 * files that split the scenarios between vitest's two workers: a control per
 * scenario and a detection run per bug, each checked against what the suite
 * declares.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, requireBuilt, runHarness } from '../testing/harness-process.js';
import type { HarnessRun } from '../testing/harness-process.js';
import { suiteRuns, suiteSeed } from './suite.js';

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
      const suite = suiteRuns[scenario];
      if (suite === undefined) throw new Error(`scenario ${scenario} has no suite entry`);
      const args = ['test', '--scenario', scenario, '--seed', String(suiteSeed), ...suite.options];

      const hazard = suite.hazard;
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

      for (const bug of suite.bugs) {
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
