import { defineConfig } from 'vitest/config';

// At most two test files run at once, so the integration tests (real node
// processes, containers; named *.integration.test.ts) do not oversubscribe a
// 2-core machine: their elections and timeouts assume the cores are not
// shared by more than two clusters.
export default defineConfig({
  test: {
    include: ['{reference-node,harness,checkers,workloads}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
  },
});
