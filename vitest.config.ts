import { defineConfig } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

/**
 * The scenario suite (workloads/scenarios/*.integration.test.ts: whole
 * harness runs, a cluster each, judged by their checkers, among them the
 * one-seed bug matrix) is `npm run test:scenarios`, a pass of its own, one
 * file at a time (vitest.scenarios.config.ts): a scenario's verdict depends
 * on the cluster getting the cores its elections and timeouts assume, so it
 * never shares them with another cluster of the suite.
 */
const scenarioSuite = ['workloads/scenarios/*.integration.test.ts'];

/** The settings of both passes; `scenarios` picks the scenario suite, one file at a time. */
export function testConfig(scenarios: boolean): ViteUserConfig {
  return defineConfig({
    test: {
      include: scenarios ? scenarioSuite : ['{reference-node,harness,checkers,workloads,test-support}/**/*.test.ts'],
      exclude: ['node_modules/**', 'dist/**', ...(scenarios ? [] : scenarioSuite)],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // Otherwise at most two test files run at once, so the other integration tests (real node
      // processes, containers; named *.integration.test.ts) do not oversubscribe a 2-core machine.
      maxWorkers: scenarios ? 1 : 2,
      fileParallelism: !scenarios,
      reporters: ['default'],
      setupFiles: ['test-support/private-tmpdir.setup.ts', 'test-support/fast-check-seed.setup.ts'],
    },
  });
}

export default testConfig(false);
