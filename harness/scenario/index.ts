export type { Scenario, ScenarioContext, ScenarioDefaults, ScenarioRegistry } from './scenario.js';
export { ProgramBuilder } from './program-builder.js';
export type { StepOptions } from './program-builder.js';
