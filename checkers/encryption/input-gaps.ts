// What keeps the encryption checker from deciding: a node with samples but
// no inspection, an inspection cut short (no summary line), no inspections
// or no samples at all. Each becomes an undecided finding, so a run whose
// artifacts were not collected is never judged valid.
import type { Finding } from '../artifacts/index.js';
import type { EncryptionInput } from './encryption-facts.js';

/** Undecided findings for missing or incomplete inputs. */
export function inputGaps(input: EncryptionInput): Finding[] {
  const gaps: Finding[] = [];
  if (input.inspections.length === 0) {
    gaps.push({
      invariant: 'encryption',
      undecided: true,
      message: 'No node inspections were collected, so nothing on disk can be judged (I1, I2, I5).',
    });
  }
  if (input.samples.length === 0) {
    gaps.push({
      invariant: 'encryption',
      undecided: true,
      message: 'status.jsonl has no samples, so replica agreement (I3) and one-way state (I8) cannot be judged.',
    });
  }
  const inspected = new Set(input.inspections.map((inspection) => inspection.node));
  for (const node of new Set(input.samples.map((sample) => sample.node))) {
    if (!inspected.has(node))
      gaps.push({
        invariant: 'encryption',
        nodes: [node],
        undecided: true,
        message: `No inspection of ${node} was collected, so its data dir cannot be judged.`,
      });
  }
  for (const { node, records } of input.inspections) {
    if (!records.some((record) => record.kind === 'summary')) {
      gaps.push({
        invariant: 'encryption',
        nodes: [node],
        undecided: true,
        message: `The inspection of ${node} has no summary line, so it is incomplete.`,
      });
    }
  }
  return gaps;
}
