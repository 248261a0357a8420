/** Every rollout scenario by name, as `ekv-jepsen scenarios` lists them. */
import type { Scenario, ScenarioRegistry } from '../../harness/scenario/index.js';
import {
  leaderChurnScenario,
  restartReplayScenario,
  rotateOnStartupSlowLinksScenario,
  sidecarRollbackScenario,
  storageCutoverCrashScenario,
} from './fault-scenarios.js';
import {
  incapableLearnerScenario,
  joinAfterCompactionScenario,
  membershipScenario,
  rotateOnStartupScenario,
} from './membership-scenarios.js';
import {
  adminRequestsScenario,
  bootstrapScenario,
  concurrentAdminScenario,
  fullRolloutScenario,
  phase1Scenario,
  phase2Scenario,
  restartsBeforePhase2Scenario,
  rotationScenario,
} from './rollout-scenarios.js';
import { mixedStageScenario, rollingUpgradeScenario } from './stage-scenarios.js';
import { stageSuiteScenarios } from './stage-suites.js';

/** The scenario suite's scenarios (suite.ts gives each its suite options; the test suite runs each). */
const suiteScenarios: readonly Scenario[] = [
  bootstrapScenario,
  phase1Scenario,
  restartsBeforePhase2Scenario,
  adminRequestsScenario,
  concurrentAdminScenario,
  phase2Scenario,
  fullRolloutScenario,
  rotationScenario,
  rollingUpgradeScenario,
  mixedStageScenario,
  restartReplayScenario,
  sidecarRollbackScenario,
  storageCutoverCrashScenario,
  rotateOnStartupSlowLinksScenario,
  membershipScenario,
  joinAfterCompactionScenario,
  incapableLearnerScenario,
  leaderChurnScenario,
  rotateOnStartupScenario,
];

/** The scenarios the test suite runs (the per-stage release suites' scenarios are `validate-stage`'s, not the test suite's). */
export const suiteScenarioRegistry: ScenarioRegistry = new Map(suiteScenarios.map((s) => [s.name, s]));

/** Every scenario `ekv-jepsen scenarios` lists and `ekv-jepsen test --scenario` runs: the suite's, then the stage suites'. */
export const scenarioRegistry: ScenarioRegistry = new Map(
  [...suiteScenarios, ...stageSuiteScenarios].map((s) => [s.name, s]),
);

/** The scenario `ekv-jepsen test` runs without options. */
export const defaultScenario = fullRolloutScenario.name;

export { awaitBoundMs } from './rollout-sequences.js';
export { stageSuiteRegistry, stageSuiteScenarios } from './stage-suites.js';
