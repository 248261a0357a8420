/**
 * How the test suite runs the scenarios: each scenario once on the correct
 * node (the control, VALID by every checker) and once per catalogued bug it
 * is meant to catch, with the same seed and options, which must come back
 * INVALID by one of the named checkers. Main phases are shorter than the
 * scenarios' own (the rollout finishes in the drain window after the heal when
 * the main phase ends first) and rates lower where two test files sharing two
 * cores would not keep up; the nightly runs use the scenarios' own settings.
 */

/** A bug the suite proves a scenario catches. */
export interface SuiteBug {
  readonly id: string;
  /** The run must be invalid by at least one of these checkers. */
  readonly caughtBy: readonly string[];
}

export interface SuiteRun {
  readonly options: readonly string[];
  readonly bugs: readonly SuiteBug[];
  /**
   * A scenario that reproduces a hazard of the design (catalogue §10.C): the
   * correct node fails it too, so its "control" must come back INVALID by one
   * of these checkers instead of VALID.
   */
  readonly hazard?: SuiteBug;
}

/** The seed every suite run uses. */
export const suiteSeed = 101;

const safety = ['halt-apply', 'encryption'] as const;

export const suiteRuns: Readonly<Record<string, SuiteRun>> = {
  bootstrap: { options: ['--time-limit', '12'], bugs: [] },
  phase1: { options: ['--time-limit', '15'], bugs: [{ id: 'B16', caughtBy: ['halt-apply'] }] },
  phase2: {
    options: ['--time-limit', '20'],
    bugs: [
      { id: 'B3', caughtBy: safety },
      { id: 'B4', caughtBy: ['halt-apply'] },
      { id: 'B5', caughtBy: ['availability'] },
      { id: 'B7', caughtBy: safety },
    ],
  },
  'full-rollout': { options: ['--time-limit', '25'], bugs: [{ id: 'B13', caughtBy: safety }] },
  rotation: { options: ['--time-limit', '25'], bugs: [] },
  'rolling-upgrade': { options: ['--time-limit', '30'], bugs: [] },
  'mixed-stage': { options: ['--time-limit', '15'], bugs: [] },
  'restart-replay': { options: ['--time-limit', '25'], bugs: [{ id: 'B8', caughtBy: safety }] },
  membership: { options: ['--time-limit', '35'], bugs: [] },
  'join-after-compaction': { options: ['--time-limit', '35'], bugs: [], hazard: { id: 'H5', caughtBy: ['convergence', 'encryption'] } },
  'leader-churn-at-cutover': {
    options: ['--time-limit', '15', '--rate', '80'],
    bugs: [
      { id: 'B6', caughtBy: safety },
      { id: 'B11', caughtBy: [...safety, 'availability'] },
    ],
  },
  'rotate-on-startup': { options: ['--time-limit', '20'], bugs: [] },
};
