/** Every rollout scenario by name, as `ekv-jepsen scenarios` lists them. */
import type { Scenario, ScenarioRegistry } from '../../harness/scenario/index.js';
import { leaderChurnScenario, restartReplayScenario } from './fault-scenarios.js';
import { joinAfterCompactionScenario, membershipScenario, rotateOnStartupScenario } from './membership-scenarios.js';
import { bootstrapScenario, fullRolloutScenario, phase1Scenario, phase2Scenario, rotationScenario } from './rollout-scenarios.js';
import { mixedStageScenario, rollingUpgradeScenario } from './stage-scenarios.js';

const all: readonly Scenario[] = [
  bootstrapScenario,
  phase1Scenario,
  phase2Scenario,
  fullRolloutScenario,
  rotationScenario,
  rollingUpgradeScenario,
  mixedStageScenario,
  restartReplayScenario,
  membershipScenario,
  joinAfterCompactionScenario,
  leaderChurnScenario,
  rotateOnStartupScenario,
];

export const scenarioRegistry: ScenarioRegistry = new Map(all.map((s) => [s.name, s]));

/** The scenario `ekv-jepsen test` runs without options. */
export const defaultScenario = fullRolloutScenario.name;

export { awaitBoundMs } from './rollout-sequences.js';
