export { runTest } from './run-test.js';
export type { RunOutcome, RunTestDependencies, RunTestOptions } from './run-test.js';
export { testDefaults } from './test-config.js';
export type { TestConfig } from './test-config.js';
export { runPlan } from './plan-runner.js';
export type { PlanRunReport, PlanRunnerOptions } from './plan-runner.js';
export { ClientWorker } from './client-worker.js';
