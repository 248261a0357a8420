/**
 * The `run` entry of results.json: whether the run itself went as planned.
 * A crash of the harness or an interrupt leaves the verdict `unknown` (what
 * was recorded was still checked by the other checkers); so does a plan that
 * mostly did not happen (most ops ran late or were skipped: the load the
 * verdict speaks for was not applied).
 */
import type { Checker } from './checker.js';

/** Above this share of ops skipped or late by the harness's own lag, the run did not apply its planned load. */
export const scheduleMissShareMax = 0.5;
/** Above this share the run says so (a warning): the harness fell behind its schedule. */
export const scheduleLateShareWarn = 0.03;

export const runChecker: Checker = {
  name: 'run',
  check(run) {
    const execution = run.execution();
    if (execution === null)
      return { valid: 'unknown', reason: 'execution.json is missing: the run crashed before it ended' };
    if (execution.crash !== null) return { valid: 'unknown', reason: `the run crashed: ${execution.crash}` };
    if (execution.interrupted) return { valid: 'unknown', reason: 'the run was interrupted before the plan finished' };
    const plan = execution.plan;
    if (plan === null) return { valid: 'unknown', reason: 'the plan never ran' };
    const missed = plan.opsLate + plan.opsSkipped;
    // Ops that waited for a worker busy with a slow answer (late, or skipped because the main phase
    // was over by then) are the system under test's doing: the load was offered and not served. Ops
    // the harness's own lag made late or skipped are load that was never offered.
    const byHarness = plan.opsLateByHarness ?? plan.opsLate;
    const skippedByHarness = plan.opsSkippedByHarness ?? plan.opsSkipped;
    const notOffered = byHarness + skippedByHarness;
    const share = (n: number): number => (plan.opsPlanned === 0 ? 0 : n / plan.opsPlanned);
    const split =
      missed === 0
        ? ''
        : `; ${notOffered} of them because the harness itself lagged, ${missed - notOffered} waited for a worker busy with a slow answer`;
    const warnings =
      share(missed) > scheduleLateShareWarn
        ? [
            `the harness fell behind its schedule: ${missed} of ${plan.opsPlanned} planned ops ran late (> ${plan.lateThresholdMs} ms, at most ${plan.maxLagMs} ms) or were skipped (${plan.opsSkipped})${split}`,
          ]
        : [];
    if (share(notOffered) > scheduleMissShareMax) {
      return {
        valid: 'unknown',
        reason: `${notOffered} of ${plan.opsPlanned} planned ops were skipped or ran late (> ${plan.lateThresholdMs} ms) because the harness itself lagged: the planned load was not offered`,
        warnings,
        ...plan,
      };
    }
    return { valid: true, warnings, ...plan };
  },
};
