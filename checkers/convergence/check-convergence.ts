// The convergence checker (issue 8 part 5; catalogue DIVERGE, LOST, I3):
// after the heal the harness reads every key from every node directly (no
// forwarding; `read-local` ops, whose logIndex is the node's applied index at
// the read); replicas that have applied the key's last acknowledged write
// must agree on its value. Nodes halted at their last sample are excluded
// (a halted node stops applying; halt-apply judges it) and listed in notes.
import { answered, artifactCheckResult, limitFindings, pairOps, samplesByNode } from '../artifacts/index.js';
import type { ArtifactCheckResult, Finding, StatusSample } from '../artifacts/index.js';
import type { HistoryOp } from '../history/index.js';
import { judgeKey } from './judge-key.js';
import { keyEvidence } from './key-evidence.js';

/** What the convergence checker reads. */
export interface ConvergenceInput {
  readonly history: readonly HistoryOp[];
  readonly samples: readonly StatusSample[];
}

/** Nodes whose last answered Status reported a halt. */
function haltedAtEnd(samples: readonly StatusSample[]): Map<string, string> {
  const halted = new Map<string, string>();
  for (const [node, nodeSamples] of samplesByNode(samples)) {
    const last = answered(nodeSamples).at(-1);
    if (last?.status.halted === true)
      halted.set(
        node,
        `${node} is excluded: its last sample shows it halted on entry ${last.status.haltIndex} (${last.status.haltError}).`,
      );
  }
  return halted;
}

/** Checks that the final local reads converge. */
export function checkConvergence(input: ConvergenceInput): ArtifactCheckResult {
  const halted = haltedAtEnd(input.samples);
  const { keys, unusableReads, failedReads } = keyEvidence(pairOps(input.history));
  const findings: Finding[] = [];
  let reads = 0;
  let compared = 0;
  let stale = 0;
  let unread = 0;
  let excludedReads = 0;
  for (const evidence of keys.values()) {
    const kept = evidence.reads.filter((read) => !halted.has(read.node));
    excludedReads += evidence.reads.length - kept.length;
    if (kept.length === 0) {
      unread += 1;
      continue;
    }
    reads += kept.length;
    const verdict = judgeKey({ ...evidence, reads: kept });
    findings.push(...verdict.findings);
    compared += verdict.compared;
    stale += verdict.stale;
  }
  const { kept, omitted } = limitFindings(findings);
  const gaps: Finding[] =
    reads === 0
      ? [
          {
            invariant: 'I3',
            undecided: true,
            message:
              'The history has no usable final local read (read-local ok with node and logIndex), so convergence cannot be judged.',
          },
        ]
      : [];
  const notes = [
    ...halted.values(),
    ...(stale > 0
      ? [
          `${stale} read${stale === 1 ? ' was' : 's were'} taken below the key's last acknowledged write index (the node had not applied it) and not compared.`,
        ]
      : []),
    ...(unread > 0 ? [`${unread} written key${unread === 1 ? ' has' : 's have'} no final local read to compare.`] : []),
    ...(failedReads + unusableReads > 0
      ? [`${failedReads} final reads did not complete ok and ${unusableReads} lacked a node, key or logIndex.`]
      : []),
  ];
  return artifactCheckResult({
    findings: [...kept, ...gaps],
    checked: {
      keys: keys.size,
      reads,
      compared,
      stale,
      excludedNodes: halted.size,
      excludedReads,
      ...(omitted > 0 ? { findingsOmitted: omitted } : {}),
    },
    notes,
    validReason: `${compared} final local reads of ${keys.size - unread} keys agree with each other and with the last acknowledged writes.`,
  });
}
