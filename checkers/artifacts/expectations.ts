// What a scenario declares about itself, recorded in test.json
// (`expectations`) so `check <run-dir>` judges a run by the rules it ran
// under: the halts the spec requires (spec §7.8: a 6A node halts on the
// bootstrap entry), and how long the cluster may take to recover.

/** A halt the scenario expects (it is then neither a violation nor a divergence). */
export interface ExpectedHalt {
  /** Nodes that may halt this way. */
  readonly nodes: readonly string[];
  /** Error-registry names the halt may carry, e.g. ["ErrKEKNotConfigured"]. */
  readonly errors: readonly string[];
  /** Why the spec requires it, one sentence (shown in results and reports). */
  readonly reason: string;
}

/** The rules a rollout run is judged by. */
export interface RolloutExpectations {
  readonly expectedHalts: readonly ExpectedHalt[];
  /** After the final heal, writes must succeed again and every node make progress within this many ms. */
  readonly recoveryWindowMs: number;
  /** Rollout steps that may be left unfinished after the heal (none, normally). */
  readonly unfinishedStepsAllowed: readonly string[];
}

/** Expectations of a scenario that declares nothing special. */
export const noExpectations: RolloutExpectations = Object.freeze({
  expectedHalts: [],
  recoveryWindowMs: 20_000,
  unfinishedStepsAllowed: [],
});

/**
 * The declared halt that covers `node` halting with `error`, if any. Both
 * lists must name them: an empty list covers nothing, so a declaration can
 * never silently accept every halt.
 */
export function expectedHaltFor(
  expectations: RolloutExpectations,
  node: string,
  error: string,
): ExpectedHalt | undefined {
  return expectations.expectedHalts.find((halt) => halt.nodes.includes(node) && halt.errors.includes(error));
}
