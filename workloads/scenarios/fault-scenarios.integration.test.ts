// The stage, fault-aimed and membership scenarios, each on the correct node
// and with the catalogued bugs it must catch (suite.ts).
import { describeScenarioSuite } from './suite-runs.js';

describeScenarioSuite('stage, fault and membership scenarios (local backend)', ['rolling-upgrade', 'mixed-stage', 'restart-replay', 'membership', 'join-after-compaction', 'leader-churn-at-cutover', 'rotate-on-startup']);
