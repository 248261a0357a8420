// The result every rollout checker returns: a verdict, one sentence saying
// why when it is not valid, and the findings behind it (each naming the
// invariant, the node(s) and, where there is one, the history op).

/** Jepsen's `:valid?`. */
export type ArtifactValidity = true | false | 'unknown';

/** One thing a checker found wrong (or could not decide). */
export interface Finding {
  /** The invariant (bug-catalogue.md §10.A: "I1" … "I10") or the checker's own rule name ("divergence", "stuck", …). */
  readonly invariant: string;
  /** One sentence a person can act on. */
  readonly message: string;
  readonly nodes?: readonly string[];
  /** The history op (its index) the finding is about, when there is one: the report links it, the bug matrix times detection by it. */
  readonly opIndex?: number;
  /** Nanoseconds since the test started, when known (from the op or sample). */
  readonly time?: number;
  /** Where on disk, when it is about a file (relative to the run directory). */
  readonly path?: string;
  /** Anything else worth showing, JSON. */
  readonly details?: unknown;
  /**
   * True when the finding says what kept the checker from deciding (missing
   * or unreadable data), not a violation. Absent or false: a violation. A
   * result that is not valid may carry both kinds.
   */
  readonly undecided?: boolean;
}

/** The result of one rollout checker. */
export interface ArtifactCheckResult {
  readonly valid: ArtifactValidity;
  /** One sentence: why it is not valid (or what it checked, when valid). */
  readonly reason: string;
  /** Violations, and what kept it from deciding (`undecided: true`). Empty when valid. */
  readonly findings: readonly Finding[];
  /** What was checked (counts), for the report. */
  readonly checked: Readonly<Record<string, number>>;
  /** What the checker deliberately left out and why (one sentence each), e.g. nodes excluded because they halted. */
  readonly notes?: readonly string[];
}
