/**
 * How the test suite runs the scenarios: each scenario once on the correct
 * node (the control, VALID by every checker) and once per catalogued bug of
 * workloads/catalogue that it exposes, with the same seed and options, which
 * must come back INVALID by one of the case's checkers (a hazard's scenario:
 * INVALID on the correct node).
 */

/** The seed every suite run uses (the bug matrix's first seed). */
export const suiteSeed = 101;

/**
 * The options of each scenario's suite runs (the bug matrix runs its cases
 * with the same): main phases shorter than the scenarios' own (the rollout
 * finishes in the drain window after the heal when the main phase ends
 * first), and lower rates where a loaded 2-core machine would not keep up.
 */
export const suiteOptions: Readonly<Record<string, readonly string[]>> = {
  bootstrap: ['--time-limit', '12'],
  phase1: ['--time-limit', '15'],
  'restarts-before-phase2': ['--time-limit', '20'],
  'admin-requests': ['--time-limit', '15'],
  'concurrent-admin': ['--time-limit', '20'],
  phase2: ['--time-limit', '20'],
  'full-rollout': ['--time-limit', '25'],
  rotation: ['--time-limit', '25'],
  'rolling-upgrade': ['--time-limit', '30'],
  'mixed-stage': ['--time-limit', '15'],
  'restart-replay': ['--time-limit', '25'],
  'sidecar-rollback': ['--time-limit', '45'],
  'storage-cutover-crash': ['--time-limit', '15'],
  'rotate-on-startup-slow-links': ['--time-limit', '20'],
  membership: ['--time-limit', '35'],
  'join-after-compaction': ['--time-limit', '35'],
  'incapable-learner': ['--time-limit', '20'],
  'leader-churn-at-cutover': ['--time-limit', '15', '--rate', '80'],
  'rotate-on-startup': ['--time-limit', '20'],
};

/** The suite options of `scenario`; throws for a scenario the suite does not know. */
export function suiteOptionsOf(scenario: string): readonly string[] {
  const options = suiteOptions[scenario];
  if (options === undefined)
    throw new Error(`scenario ${scenario} has no suite options (workloads/scenarios/suite.ts)`);
  return options;
}
