/**
 * execution.json: what happened while a run executed that the history does
 * not show — node exits the harness did not cause, how the plan's schedule
 * held up, how the rollout program ended, what collection could not do.
 * Written at the end of every run (also after a crash or an interrupt) and
 * read by the checkers, so `check <run-dir>` judges with the same facts.
 */

/** A node exit the harness did not cause (a crash, a halt with --exit-on-halt, a refused start). */
export interface UnexpectedExitRecord {
  readonly node: string;
  readonly code: number | null;
  readonly signal: string | null;
  /** Nanoseconds since the test started (the history's clock), when known. */
  readonly time?: number;
}

export interface ExecutionRecord {
  readonly unexpectedExits: readonly UnexpectedExitRecord[];
  /** The plan runner's report (ops dispatched, late, skipped), null when the run did not get that far. */
  readonly plan: {
    readonly opsPlanned: number;
    readonly opsDispatched: number;
    readonly opsLate: number;
    /** Of the late ops, those the harness itself was late for (absent in older runs: all of them count). */
    readonly opsLateByHarness?: number;
    readonly maxLagMs: number;
    readonly opsSkipped: number;
    /** Of the skipped ops, those the harness's own lag skipped (absent in older runs: all of them count). */
    readonly opsSkippedByHarness?: number;
    readonly lateThresholdMs: number;
    readonly achievedOpsPerSecond?: number;
    readonly plannedOpsPerSecond?: number;
    readonly interrupted: boolean;
  } | null;
  /** How the rollout program ended (null: the workload has none, or it never started). */
  readonly rollout: {
    readonly stepsCompleted: number;
    readonly stepsPlanned: number;
    readonly stoppedAt: { readonly step: string; readonly action: string; readonly error: string } | null;
    readonly interrupted: boolean;
  } | null;
  /** The run crashed (harness error), with the message. */
  readonly crash: string | null;
  readonly interrupted: boolean;
  /** Artifact collection problems (a node's inspection failed, a copy failed). */
  readonly collection: readonly string[];
  /** Seconds of wall time the run took, from start to the end of collection. */
  readonly durationMs: number;
}
