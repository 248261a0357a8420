/**
 * Workloads and scenarios built from harness pieces; `workloadRegistry` is
 * what `ekv-jepsen test --workload NAME` offers and `scenarioRegistry` what
 * `--scenario NAME` offers (the launcher passes them in, because harness/ may
 * not import workloads/).
 */
import type { WorkloadRegistry } from '../harness/workload/index.js';
import { registerWorkload } from './register.js';
import { rolloutWorkload } from './rollout-workload.js';

export {
  checkerBudgetOf,
  finalReads,
  registerCheckers,
  registerFs,
  registerKeys,
  registerMix,
  registerOps,
  registerWorkload,
} from './register.js';
export { canaryValue, rolloutWorkload } from './rollout-workload.js';
export { defaultScenario, scenarioRegistry, stageSuiteRegistry } from './scenarios/index.js';
export { bugCaseRegistry, bugCases } from './catalogue/index.js';

/** Every workload by name. */
export const workloadRegistry: WorkloadRegistry = new Map([
  [registerWorkload.name, registerWorkload],
  [rolloutWorkload.name, rolloutWorkload],
]);
