// The availability checker (issue 8 part 5; catalogue legend STUCK): after
// the final heal every rollout step has finished, client writes succeed
// again within the recovery window, and every node that should serve
// catches up. Liveness, not safety: its findings are `stuck` (or
// `step-failed`), reported apart from the safety checkers' findings, and any
// of them makes the verdict false.
import { artifactCheckResult, pairOps } from '../artifacts/index.js';
import type { ArtifactCheckResult, RolloutExpectations, StatusSample } from '../artifacts/index.js';
import type { HistoryOp } from '../history/index.js';
import { finalHeal } from './final-heal.js';
import { checkStuckNodes } from './stuck-nodes.js';
import { checkUnfinishedSteps } from './unfinished-steps.js';
import { checkWriteRecovery } from './write-recovery.js';

/** What the availability checker reads. */
export interface AvailabilityInput {
  readonly history: readonly HistoryOp[];
  readonly samples: readonly StatusSample[];
  readonly expectations: RolloutExpectations;
}

/** Checks that the cluster recovered after the final heal. */
export function checkAvailability(input: AvailabilityInput): ArtifactCheckResult {
  const heal = finalHeal(input.history);
  if (typeof heal === 'string')
    return artifactCheckResult({
      findings: [{ invariant: 'stuck', undecided: true, message: heal }],
      checked: { ops: input.history.length },
      validReason: '',
    });
  const pairs = pairOps(input.history);
  const steps = checkUnfinishedSteps(pairs, input.expectations);
  const writes = checkWriteRecovery(pairs, heal, input.expectations.recoveryWindowMs);
  const nodes =
    input.samples.length === 0
      ? undefined
      : checkStuckNodes({ pairs, samples: input.samples, expectations: input.expectations, heal });
  const noSamples =
    nodes === undefined
      ? [
          {
            invariant: 'stuck',
            undecided: true,
            message: 'status.jsonl has no samples, so no node can be shown to have caught up.',
          },
        ]
      : [];
  const checked: Record<string, number> = {
    steps: steps.steps,
    nodes: nodes?.nodes ?? 0,
    commitIndexAtHeal: nodes?.commitIndex ?? 0,
    ...(writes.firstOkAfterHealMs === undefined
      ? {}
      : { firstWriteOkAfterHealMs: Math.round(writes.firstOkAfterHealMs) }),
  };
  return artifactCheckResult({
    findings: [...steps.findings, ...writes.findings, ...(nodes?.findings ?? []), ...noSamples],
    checked,
    notes: [...steps.notes, ...(nodes?.notes ?? [])],
    validReason: `After the ${heal.opIndex === undefined ? 'fault-free run' : `final heal (op ${heal.opIndex})`} all ${steps.steps} rollout steps finished, writes succeeded within ${input.expectations.recoveryWindowMs} ms and ${checked.nodes} nodes reached commit index ${checked.commitIndexAtHeal}.`,
  });
}
