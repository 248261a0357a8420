export { describeAction, describeCondition, describeStepNode } from './rollout-action.js';
export type { RestartMode, RolloutAction, RolloutActionName, RolloutCondition, StepNode } from './rollout-action.js';
export { rolloutDefaults, validateProgram } from './rollout-program.js';
export type { RetryPolicy, RolloutProgram, RolloutStep, StepTrigger } from './rollout-program.js';
export { resolveStepNode, retryableErrors, runRollout } from './rollout-runner.js';
export type { RolloutReport, RolloutRunnerOptions } from './rollout-runner.js';
export type { RolloutContext, StageFlags } from './rollout-context.js';
