/**
 * A checker judges one aspect of a run from its artifacts (Jepsen's
 * checker protocol). Checkers are composed into a run's results; one that
 * throws yields `unknown` with the error, never a crashed run (STYLE.md 8).
 */
import type { RunArtifacts } from './run-artifacts.js';

/** A verdict, Jepsen's `:valid?`. */
export type Validity = true | false | 'unknown';

/** One checker's entry in results.json: a verdict, one sentence why (when not valid), and details. */
export interface CheckerEntry {
  readonly valid: Validity;
  readonly reason?: string;
  readonly [detail: string]: unknown;
}

export interface Checker {
  readonly name: string;
  check(run: RunArtifacts): CheckerEntry | Promise<CheckerEntry>;
}

/** Runs a checker so that a throw (or rejection) becomes `unknown` with the error. */
export async function runSafely(checker: Checker, run: RunArtifacts): Promise<CheckerEntry> {
  try {
    return await checker.check(run);
  } catch (error) {
    return {
      valid: 'unknown',
      reason: `the ${checker.name} checker threw: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Combines verdicts: any false → false, else any unknown → unknown, else true. */
export function combineValidity(verdicts: readonly Validity[]): Validity {
  if (verdicts.includes(false)) return false;
  if (verdicts.includes('unknown')) return 'unknown';
  return true;
}
