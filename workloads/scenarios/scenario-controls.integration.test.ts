// The scenarios no catalogued case runs, each on the correct node: VALID by
// every checker (the bug matrix test runs the others with their controls).
import { controlOnlyScenarios, describeScenarioControls } from './suite-runs.js';

describeScenarioControls('scenario controls (local backend)', controlOnlyScenarios());
