// The phase scenarios and the whole rollout, each on the correct node and
// with the catalogued bugs it must catch (suite.ts).
import { describeScenarioSuite } from './suite-runs.js';

describeScenarioSuite('rollout scenarios (local backend)', ['bootstrap', 'phase1', 'phase2', 'full-rollout', 'rotation']);
