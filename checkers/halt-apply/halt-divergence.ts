// Rule "no replica applies past an index at which another halted": entry H
// is the same committed entry on every replica, and apply is deterministic
// (I3, I4), so if one replica halts on H and another applies it, they
// disagreed about H (DIVERGE). A declared halt is exempt: spec §7.8 requires
// a 6A node to halt on the bootstrap entry while the 6B+ nodes apply it.
import type { Finding, RolloutExpectations } from '../artifacts/index.js';
import { expectedHaltFor } from '../artifacts/index.js';
import type { HaltRuleContext } from './deterministic-halts.js';
import type { AnsweredSample, HaltSighting, NodeTimeline } from './halt-sightings.js';
import { sampleFinding } from './sample-finding.js';

/** The first sample of another node showing entry `haltIndex` applied. */
function firstApplied(timeline: NodeTimeline, haltIndex: number): AnsweredSample | undefined {
  for (const samples of timeline.lifetimes) {
    const past = samples.find((sample) => sample.status.appliedIndex >= haltIndex);
    if (past !== undefined) return past;
  }
  return undefined;
}

/** One finding per undeclared halt that some other node applied past. */
export function checkHaltDivergence(
  halts: readonly HaltSighting[],
  timelines: readonly NodeTimeline[],
  expectations: RolloutExpectations,
  context: HaltRuleContext,
): Finding[] {
  const findings: Finding[] = [];
  const judged = new Set<string>();
  for (const halt of halts) {
    const key = `${halt.node} ${halt.haltIndex}`;
    if (halt.haltIndex === 0 || judged.has(key) || expectedHaltFor(expectations, halt.node, halt.error) !== undefined)
      continue;
    judged.add(key);
    const appliers = timelines
      .filter((timeline) => timeline.node !== halt.node)
      .map((timeline) => ({ node: timeline.node, sample: firstApplied(timeline, halt.haltIndex) }))
      .filter((found): found is { node: string; sample: AnsweredSample } => found.sample !== undefined);
    if (appliers.length === 0) continue;
    // The divergence is visible once both the halt and the first apply past it have been sampled.
    const evidence = appliers.reduce((a, b) => (b.sample.time < a.sample.time ? b : a)).sample;
    const at = evidence.time > halt.sample.time ? evidence : halt.sample;
    findings.push(
      sampleFinding(context.position, at, {
        invariant: 'divergence',
        nodes: [halt.node, ...appliers.map((found) => found.node)],
        message: `${halt.node} halted on entry ${halt.haltIndex} (${halt.error}) but ${appliers.map((found) => `${found.node} applied it (applied index ${found.sample.status.appliedIndex})`).join(', ')}.`,
        details: { haltIndex: halt.haltIndex, error: halt.error },
      }),
    );
  }
  return findings;
}
