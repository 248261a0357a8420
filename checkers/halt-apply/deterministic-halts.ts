// Rule "a halt is deterministic" (spec §5.4, catalogue legend HALT, I4): a
// replica that halts on entry H reports the same H and error for as long as
// that process runs and again after every restart, until an operator
// changes the node (upgrade-stage, other flags); every replica that halts
// at H halts with the same error; and a halt never advances the applied
// index past the failing entry (I4, fail-closed).
import type { Finding, HistoryPosition } from '../artifacts/index.js';
import { sampleFinding } from './sample-finding.js';
import { haltErrorOf, lifetimeHalts } from './halt-sightings.js';
import type { AnsweredSample, HaltSighting, NodeTimeline } from './halt-sightings.js';

/** What the rules need besides the samples. */
export interface HaltRuleContext {
  readonly position: HistoryPosition;
  /** Per node, the times (ns) of upgrade-stage steps that restarted it with another stage or flags. */
  readonly upgradeTimesNs: ReadonlyMap<string, readonly number[]>;
}

function sameHalt(a: HaltSighting, sample: AnsweredSample): boolean {
  return sample.status.haltIndex === a.haltIndex && haltErrorOf(sample.status) === a.error;
}

/** Within one lifetime: one halt only, and a halt never goes away without a restart. */
function checkLifetime(timeline: NodeTimeline, lifetime: number, context: HaltRuleContext): Finding[] {
  const samples = timeline.lifetimes[lifetime] ?? [];
  const halts = lifetimeHalts(timeline.node, lifetime, samples);
  const [first, second] = halts;
  if (first === undefined) return [];
  if (second !== undefined) {
    return [
      sampleFinding(context.position, second.sample, {
        invariant: 'deterministic-halt',
        nodes: [timeline.node],
        message: `${timeline.node} reported a halt at ${second.haltIndex} (${second.error}) after halting at ${first.haltIndex} (${first.error}) in the same process lifetime.`,
      }),
    ];
  }
  const resumed = samples.find((sample) => sample.time > first.sample.time && !sample.status.halted);
  if (resumed === undefined) return [];
  return [
    sampleFinding(context.position, resumed, {
      invariant: 'deterministic-halt',
      nodes: [timeline.node],
      message: `${timeline.node} stopped reporting its halt at ${first.haltIndex} (${first.error}) without a restart.`,
    }),
  ];
}

/** True when an operator changed the node between the halt and this lifetime (a restart with another stage or flags). */
function changedByOperator(
  timeline: NodeTimeline,
  reference: HaltSighting,
  next: readonly AnsweredSample[],
  context: HaltRuleContext,
): boolean {
  const start = next[0];
  if (start === undefined) return false;
  if (
    start.status.stage !== reference.sample.status.stage ||
    start.status.bugs.join(',') !== reference.sample.status.bugs.join(',')
  )
    return true;
  const upgrades = context.upgradeTimesNs.get(timeline.node) ?? [];
  return upgrades.some((time) => time >= reference.sample.time && time <= start.time);
}

/** After a restart the node must halt again at the same entry with the same error, never apply it. */
function checkAfterRestart(
  timeline: NodeTimeline,
  reference: HaltSighting,
  samples: readonly AnsweredSample[],
  context: HaltRuleContext,
): Finding | undefined {
  const node = timeline.node;
  for (const sample of samples) {
    if (sample.status.halted && !sameHalt(reference, sample)) {
      return sampleFinding(context.position, sample, {
        invariant: 'deterministic-halt',
        nodes: [node],
        message: `${node} halted at ${sample.status.haltIndex} (${haltErrorOf(sample.status)}) after a restart, but at ${reference.haltIndex} (${reference.error}) before it.`,
      });
    }
    if (sample.status.appliedIndex >= reference.haltIndex) {
      return sampleFinding(context.position, sample, {
        invariant: 'deterministic-halt',
        nodes: [node],
        message: `${node} applied entry ${reference.haltIndex} after a restart (applied index ${sample.status.appliedIndex}) although it had halted on it (${reference.error}).`,
      });
    }
  }
  return undefined;
}

/** The per-node rules, across all lifetimes of one node. */
export function checkNodeHalts(timeline: NodeTimeline, context: HaltRuleContext): Finding[] {
  const findings: Finding[] = [];
  let reference: HaltSighting | undefined;
  timeline.lifetimes.forEach((samples, lifetime) => {
    findings.push(...checkLifetime(timeline, lifetime, context));
    if (reference !== undefined && changedByOperator(timeline, reference, samples, context)) reference = undefined;
    if (reference !== undefined) {
      const finding = checkAfterRestart(timeline, reference, samples, context);
      if (finding !== undefined) findings.push(finding);
    }
    reference ??= lifetimeHalts(timeline.node, lifetime, samples)[0];
  });
  return findings;
}

/** Every replica that halts at H halts with the same error. */
export function checkHaltAgreement(halts: readonly HaltSighting[], context: HaltRuleContext): Finding[] {
  const byIndex = new Map<number, HaltSighting[]>();
  for (const halt of halts) {
    if (halt.haltIndex === 0) continue;
    byIndex.set(halt.haltIndex, [...(byIndex.get(halt.haltIndex) ?? []), halt]);
  }
  const findings: Finding[] = [];
  for (const [haltIndex, sightings] of byIndex) {
    const errors = [...new Set(sightings.map((halt) => halt.error))];
    if (errors.length < 2) continue;
    const latest = sightings.reduce((a, b) => (b.sample.time > a.sample.time ? b : a));
    const nodes = [...new Set(sightings.map((halt) => halt.node))];
    findings.push(
      sampleFinding(context.position, latest.sample, {
        invariant: 'deterministic-halt',
        nodes,
        message: `Replicas halted on entry ${haltIndex} with different errors: ${sightings.map((halt) => `${halt.node} ${halt.error}`).join(', ')}.`,
        details: { haltIndex, errors },
      }),
    );
  }
  return findings;
}

/** I4: a halted node's applied index stays below the entry it halted on. */
export function checkFailClosed(timeline: NodeTimeline, context: HaltRuleContext): Finding[] {
  for (const samples of timeline.lifetimes) {
    const advanced = samples.find(
      (sample) =>
        sample.status.halted && sample.status.haltIndex > 0 && sample.status.appliedIndex >= sample.status.haltIndex,
    );
    if (advanced !== undefined) {
      return [
        sampleFinding(context.position, advanced, {
          invariant: 'I4',
          nodes: [timeline.node],
          message: `${timeline.node} reports a halt on entry ${advanced.status.haltIndex} with applied index ${advanced.status.appliedIndex}: the failing entry advanced the applied index.`,
        }),
      ];
    }
  }
  return [];
}
