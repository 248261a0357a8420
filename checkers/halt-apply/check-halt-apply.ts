// The halt-apply checker (issue 8 part 5; spec §5.4, §7.8; catalogue HALT,
// DIVERGE, I3, I4): judges every halt the status samples show against the
// rules of deterministic, fail-closed apply and the halts the scenario
// declares. Pure: history, samples and expectations in, a result out.
import { artifactCheckResult, historyPosition, limitFindings, rolloutSteps, pairOps } from '../artifacts/index.js';
import type { ArtifactCheckResult, Finding, RolloutExpectations, StatusSample } from '../artifacts/index.js';
import type { HistoryOp } from '../history/index.js';
import { checkFailClosed, checkHaltAgreement, checkNodeHalts } from './deterministic-halts.js';
import type { HaltRuleContext } from './deterministic-halts.js';
import { checkHaltDivergence } from './halt-divergence.js';
import { allHalts, nodeTimelines } from './halt-sightings.js';
import type { NodeTimeline } from './halt-sightings.js';
import { checkAcknowledgedAboveHalt, checkUndeclaredHalts, undeclaredHalts } from './undeclared-halts.js';

/** What the halt-apply checker reads. */
export interface HaltApplyInput {
  readonly history: readonly HistoryOp[];
  readonly samples: readonly StatusSample[];
  readonly expectations: RolloutExpectations;
}

/** Per node, the invoke times of upgrade-stage steps (restarts with another stage or flags) that name it. */
function upgradeTimes(history: readonly HistoryOp[]): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const { invoke } of rolloutSteps(pairOps(history), 'upgrade-stage')) {
    const named =
      invoke.value !== null && typeof invoke.value === 'object' && !Array.isArray(invoke.value)
        ? (invoke.value as { readonly node?: unknown }).node
        : undefined;
    const node = invoke.node ?? (typeof named === 'string' ? named : undefined);
    if (node === undefined || invoke.time === undefined) continue;
    times.set(node, [...(times.get(node) ?? []), invoke.time]);
  }
  return times;
}

/** Nodes whose Status never answered: their halts cannot be seen. */
function unseenNodes(timelines: readonly NodeTimeline[]): Finding[] {
  return timelines
    .filter((timeline) => timeline.lifetimes.every((samples) => samples.length === 0))
    .map((timeline) => ({
      invariant: 'halt-apply',
      nodes: [timeline.node],
      undecided: true,
      message: `No Status answer was sampled from ${timeline.node}, so its halts cannot be judged.`,
    }));
}

/** Checks the halts of a run. */
export function checkHaltApply(input: HaltApplyInput): ArtifactCheckResult {
  const timelines = nodeTimelines(input.samples);
  if (timelines.length === 0) {
    return artifactCheckResult({
      findings: [
        { invariant: 'halt-apply', undecided: true, message: 'status.jsonl has no samples, so no halt can be judged.' },
      ],
      checked: { samples: 0 },
      validReason: '',
    });
  }
  const context: HaltRuleContext = {
    position: historyPosition(input.history),
    upgradeTimesNs: upgradeTimes(input.history),
  };
  const halts = allHalts(timelines);
  const undeclared = undeclaredHalts(halts, input.expectations);
  const rules: readonly (readonly [string, Finding[]])[] = [
    [
      'deterministic',
      [...timelines.flatMap((timeline) => checkNodeHalts(timeline, context)), ...checkHaltAgreement(halts, context)],
    ],
    ['failClosed', timelines.flatMap((timeline) => checkFailClosed(timeline, context))],
    ['divergence', checkHaltDivergence(halts, timelines, input.expectations, context)],
    ['undeclared', checkUndeclaredHalts(undeclared, context)],
    ['acknowledgedAboveHalt', checkAcknowledgedAboveHalt(undeclared, input.history)],
  ];
  const checked: Record<string, number> = {
    samples: input.samples.length,
    nodes: timelines.length,
    restarts: timelines.reduce((sum, timeline) => sum + timeline.lifetimes.length - 1, 0),
    haltSightings: halts.length,
    undeclaredHalts: undeclared.length,
  };
  const findings: Finding[] = [];
  for (const [rule, ruleFindings] of rules) {
    const { kept, omitted } = limitFindings(ruleFindings);
    findings.push(...kept);
    if (omitted > 0) checked[`${rule}FindingsOmitted`] = omitted;
  }
  findings.push(...unseenNodes(timelines));
  const haltSummary =
    halts.length === 0
      ? 'no node halted'
      : `${halts.length} halt${halts.length === 1 ? '' : 's'}, all declared and deterministic`;
  return artifactCheckResult({
    findings,
    checked,
    validReason: `${timelines.length} nodes over ${input.samples.length} samples: ${haltSummary}.`,
  });
}
