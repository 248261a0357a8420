export { runTest } from './run-test.js';
export { makePlan, resolveWorkload, workloadOptions } from './run-test.js';
export type { RunOutcome, RunScenario, RunTestDependencies, RunTestOptions } from './run-test.js';
export { initialNodeFlags, kekFileOf, nodeFlagsAt, stageHasKekFlags, stageOf } from './node-flags.js';
export { testDefaults } from './test-config.js';
export type { TestConfig } from './test-config.js';
export { runPlan } from './plan-runner.js';
export type { PlanRunReport, PlanRunnerOptions } from './plan-runner.js';
export { ClientWorker } from './client-worker.js';
