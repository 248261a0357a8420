// Every rollout scenario against the correct reference node on the local
// backend, under its own faults, must be VALID with every checker — the
// rollout's checkers included. Main phases are shortened for the suite (the
// rollout finishes in the drain window after the heal when the main phase
// ends first); the nightly runs use the scenarios' own lengths.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, requireBuilt, runHarness } from '../testing/harness-process.js';
import { scenarioRegistry } from './index.js';

let store: string;
beforeAll(() => {
  requireBuilt();
  store = mkdtempSync(join(tmpdir(), 'ekv-scenarios-'));
});
afterAll(() => rmSync(store, { recursive: true, force: true }));

/** Per-scenario options for the suite: a shorter main phase where the scenario allows it. */
const suiteOptions: Readonly<Record<string, readonly string[]>> = {
  bootstrap: ['--time-limit', '12'],
  phase1: ['--time-limit', '15'],
  phase2: ['--time-limit', '20'],
  'full-rollout': ['--time-limit', '25'],
  rotation: ['--time-limit', '25'],
  'rolling-upgrade': ['--time-limit', '30'],
  'mixed-stage': ['--time-limit', '15'],
  'restart-replay': ['--time-limit', '25'],
  membership: ['--time-limit', '35'],
  'leader-churn-at-cutover': ['--time-limit', '15'],
  'rotate-on-startup': ['--time-limit', '20'],
};

describe('rollout scenarios on the correct node (local backend)', () => {
  it('the suite covers every scenario', () => {
    expect(Object.keys(suiteOptions).sort()).toEqual([...scenarioRegistry.keys()].sort());
  });

  it.each([...scenarioRegistry.keys()])('%s is VALID, with the rollout completed and every node inspected', async (name) => {
    const run = await runHarness(store, name, ['test', '--scenario', name, '--seed', '101', ...(suiteOptions[name] ?? [])]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.results?.valid).toBe(true);
    for (const checker of ['linearizability', 'halt-apply', 'encryption', 'availability', 'convergence']) expect(run.results?.checkers[checker]?.valid, checker).toBe(true);
    const execution = JSON.parse(readFileSync(join(run.runDir!, 'execution.json'), 'utf8')) as { rollout: { stepsCompleted: number; stepsPlanned: number } };
    expect(execution.rollout.stepsCompleted).toBe(execution.rollout.stepsPlanned);
  }, 240_000);
});
