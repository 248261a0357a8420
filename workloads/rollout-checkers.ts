/**
 * The rollout checkers (checkers/halt-apply, encryption, availability,
 * convergence) as harness checkers over a run's artifacts: each reads what it
 * needs from the run directory (history, status samples, inspections, raw
 * files) and the scenario's expectations from test.json. A run without
 * status samples (it never sampled) or without inspections (collection
 * failed) is `unknown` for the checkers that need them, never valid.
 */
import type { ArtifactCheckResult, StatusSample } from '../checkers/artifacts/index.js';
import { checkAvailability } from '../checkers/availability/index.js';
import { checkConvergence } from '../checkers/convergence/index.js';
import { checkEncryption } from '../checkers/encryption/index.js';
import { checkHaltApply } from '../checkers/halt-apply/index.js';
import type { HistoryOp as CheckerOp } from '../checkers/history/index.js';
import type { Checker, CheckerEntry, RunArtifacts } from '../harness/checking/index.js';

/** The history in the checkers' vocabulary (values never undefined). */
function checkerHistory(run: RunArtifacts): CheckerOp[] {
  return run.history().map((op) => ({ ...op, value: op.value ?? null }));
}

function toEntry(result: ArtifactCheckResult): CheckerEntry {
  return { ...result, valid: result.valid, reason: result.reason };
}

/** A checker that needs the status samples: without status.jsonl it cannot decide. */
function withSamples(
  name: string,
  check: (run: RunArtifacts, samples: readonly StatusSample[]) => ArtifactCheckResult,
): Checker {
  return {
    name,
    check(run) {
      const samples = run.statusSamples();
      if (samples === null)
        return { valid: 'unknown', reason: 'the run has no status.jsonl (no status samples were taken)' };
      return toEntry(check(run, samples));
    },
  };
}

/** The checkers that judge the rollout itself. */
export function rolloutCheckers(): Checker[] {
  return [
    withSamples('halt-apply', (run, samples) =>
      checkHaltApply({ history: checkerHistory(run), samples, expectations: run.test.expectations }),
    ),
    withSamples('encryption', (run, samples) => {
      const missing = run.missingInspections();
      const result = checkEncryption({
        history: checkerHistory(run),
        samples,
        inspections: run.inspections(),
        files: run.rawFiles(),
      });
      if (missing.length === 0 || result.valid === false) return result;
      // A node without an inspection leaves its data unjudged: that is no pass.
      return {
        ...result,
        valid: 'unknown',
        reason: `no inspection of ${missing.join(', ')} (see execution.json collection)`,
        findings: [
          ...result.findings,
          { invariant: 'inputs', message: `nodes without inspect.jsonl: ${missing.join(', ')}`, undecided: true },
        ],
      };
    }),
    withSamples('availability', (run, samples) =>
      checkAvailability({ history: checkerHistory(run), samples, expectations: run.test.expectations }),
    ),
    withSamples('convergence', (run, samples) => checkConvergence({ history: checkerHistory(run), samples })),
  ];
}
