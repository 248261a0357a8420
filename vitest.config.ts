import { defineConfig } from 'vitest/config';

// Unit and property tests run in parallel; integration tests (real processes,
// containers) are named *.integration.test.ts and run one file at a time so a
// 2-core machine is not oversubscribed (see README "Tests").
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
