// Rules "no halt the scenario did not declare" and "no acknowledged client
// write at or above an undeclared halt index": a halt is declared when an
// ExpectedHalt names both the node and the error (expectations.ts). An ok
// client write with a log index ≥ H of an undeclared halt was applied at or
// past an entry a replica could not apply.
import { expectedHaltFor, localReadF } from '../artifacts/index.js';
import type { Finding, RolloutExpectations } from '../artifacts/index.js';
import { isClientProcess } from '../history/index.js';
import type { HistoryOp } from '../history/index.js';
import type { HaltRuleContext } from './deterministic-halts.js';
import type { HaltSighting } from './halt-sightings.js';
import { sampleFinding } from './sample-finding.js';

/** The halts no ExpectedHalt covers (one per node, index and error). */
export function undeclaredHalts(halts: readonly HaltSighting[], expectations: RolloutExpectations): HaltSighting[] {
  const seen = new Set<string>();
  return halts.filter((halt) => {
    const key = `${halt.node} ${halt.haltIndex} ${halt.error}`;
    if (seen.has(key) || expectedHaltFor(expectations, halt.node, halt.error) !== undefined) return false;
    seen.add(key);
    return true;
  });
}

/** One finding per undeclared halt. */
export function checkUndeclaredHalts(undeclared: readonly HaltSighting[], context: HaltRuleContext): Finding[] {
  return undeclared.map((halt) =>
    sampleFinding(context.position, halt.sample, {
      invariant: 'undeclared-halt',
      nodes: [halt.node],
      message: `${halt.node} halted on entry ${halt.haltIndex} with ${halt.error}, a halt the scenario does not declare.`,
      details: { haltIndex: halt.haltIndex, error: halt.error, reason: halt.sample.status.haltReason },
    }),
  );
}

/** One finding per undeclared halt index with acknowledged writes at or above it (naming the first such write). */
export function checkAcknowledgedAboveHalt(
  undeclared: readonly HaltSighting[],
  history: readonly HistoryOp[],
): Finding[] {
  const acknowledged = history.filter(
    (op) => isClientProcess(op.process) && op.type === 'ok' && op.logIndex !== undefined && op.f !== localReadF,
  );
  const findings: Finding[] = [];
  for (const haltIndex of [...new Set(undeclared.map((halt) => halt.haltIndex))]) {
    if (haltIndex === 0) continue;
    const above = acknowledged.filter((op) => (op.logIndex ?? 0) >= haltIndex);
    const [first] = above;
    if (first === undefined) continue;
    const nodes = [...new Set(undeclared.filter((halt) => halt.haltIndex === haltIndex).map((halt) => halt.node))];
    findings.push({
      invariant: 'ack-above-halt',
      nodes,
      opIndex: first.index,
      ...(first.time === undefined ? {} : { time: first.time }),
      message: `${above.length} acknowledged write${above.length === 1 ? '' : 's'} applied at or above entry ${haltIndex}, on which ${nodes.join(', ')} halted (first: op ${first.index} at log index ${first.logIndex}).`,
      details: { haltIndex, ops: above.slice(0, 10).map((op) => op.index) },
    });
  }
  return findings;
}
