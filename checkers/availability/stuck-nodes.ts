// Rule "no node is stuck": every node that is still meant to serve — not
// removed by an ok `remove` step, and not halted with a declared halt —
// applies up to the cluster's commit index at the final heal (the highest
// commit index any node reported in its last sample before it) within the
// recovery window. A node sampled for less than the window after the heal
// that had not caught up yet is undecided, not stuck.
import { answered, expectedHaltFor, membershipOkNode, okOf, rolloutSteps, samplesByNode } from '../artifacts/index.js';
import type { Finding, NodeStatusView, OpPair, RolloutExpectations, StatusSample } from '../artifacts/index.js';
import type { FinalHeal } from './final-heal.js';

const nsPerMs = 1_000_000;

/** The commit index at the heal: the highest any node reported in its last answered sample at or before it. */
export function commitIndexAtHeal(samples: readonly StatusSample[], heal: FinalHeal): number {
  let commit = 0;
  for (const nodeSamples of samplesByNode(samples).values()) {
    const before = answered(nodeSamples)
      .filter((sample) => sample.time <= heal.timeNs)
      .at(-1);
    if (before !== undefined) commit = Math.max(commit, before.status.commitIndex);
  }
  return commit;
}

function removedNodes(pairs: readonly OpPair[]): Set<string> {
  const removed = new Set<string>();
  for (const pair of rolloutSteps(pairs, 'remove')) {
    const ok = okOf(pair);
    const node = ok === undefined ? undefined : (membershipOkNode(ok) ?? membershipOkNode(pair.invoke));
    if (node !== undefined) removed.add(node);
  }
  return removed;
}

function declaredHalt(node: string, samples: readonly StatusSample[], expectations: RolloutExpectations): boolean {
  return answered(samples).some(
    (sample) => sample.status.halted && expectedHaltFor(expectations, node, sample.status.haltError) !== undefined,
  );
}

function describeLast(status: NodeStatusView | undefined, last: StatusSample | undefined): string {
  if (last === undefined) return 'no sample';
  if (status === undefined) return `last sampled ${last.process}${last.error === undefined ? '' : ` (${last.error})`}`;
  return `applied index ${status.appliedIndex}${status.halted ? `, halted on ${status.haltIndex} (${status.haltError})` : ''}, last sampled ${last.process}`;
}

/** One finding per stuck (or undecided) node. */
export function checkStuckNodes(input: {
  readonly pairs: readonly OpPair[];
  readonly samples: readonly StatusSample[];
  readonly expectations: RolloutExpectations;
  readonly heal: FinalHeal;
}): { readonly findings: Finding[]; readonly commitIndex: number; readonly nodes: number; readonly notes: string[] } {
  const { heal, expectations } = input;
  const commit = commitIndexAtHeal(input.samples, heal);
  const deadline = heal.timeNs + expectations.recoveryWindowMs * nsPerMs;
  const removed = removedNodes(input.pairs);
  const findings: Finding[] = [];
  const notes: string[] = [];
  let nodes = 0;
  for (const [node, samples] of samplesByNode(input.samples)) {
    if (removed.has(node)) {
      notes.push(`${node} is not required to catch up: an ok remove step took it out of the cluster.`);
      continue;
    }
    if (declaredHalt(node, samples, expectations)) {
      notes.push(`${node} is not required to catch up: it halted as the scenario declares.`);
      continue;
    }
    nodes += 1;
    const live = answered(samples);
    if (live.some((sample) => sample.time <= deadline && sample.status.appliedIndex >= commit)) continue;
    const last = samples.at(-1);
    const lastStatus = live.at(-1)?.status;
    const at = heal.opIndex === undefined ? {} : { opIndex: heal.opIndex };
    if (last !== undefined && last.time < deadline && !live.some((sample) => sample.status.appliedIndex >= commit)) {
      findings.push({
        invariant: 'stuck',
        nodes: [node],
        undecided: true,
        ...at,
        message: `${node} had not reached commit index ${commit} when sampling stopped ${Math.round((last.time - heal.timeNs) / nsPerMs)} ms after the heal, before the ${expectations.recoveryWindowMs} ms window ended (${describeLast(lastStatus, last)}).`,
      });
      continue;
    }
    findings.push({
      invariant: 'stuck',
      nodes: [node],
      ...at,
      message: `${node} did not apply up to the commit index ${commit} of the heal within ${expectations.recoveryWindowMs} ms (${describeLast(lastStatus, last)}).`,
      details: {
        commitIndex: commit,
        appliedIndex: lastStatus?.appliedIndex ?? null,
        halted: lastStatus?.halted ?? null,
      },
    });
  }
  return { findings, commitIndex: commit, nodes, notes };
}
