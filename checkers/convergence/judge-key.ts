// The convergence rules for one key. Every read at or above the key's last
// acknowledged write index W sees the state after W: the value written at W,
// or one left by a write of unknown outcome applied after it. So:
// - two such reads at the same applied index must agree (same state), and
//   reads that disagree when no unknown-outcome write can explain the
//   difference are a DIVERGE (I3: replicas' plaintext state is identical);
// - when an unknown-outcome write can explain it (every value read is the
//   value at W or such a write's value), the key is undecided, not invalid;
// - reads that agree on a value that is neither is a lost write (LOST).
// Reads below W come from a node that had not applied W yet: not compared.
import type { Finding } from '../artifacts/index.js';
import type { KeyEvidence, LocalRead } from './key-evidence.js';

/** What one key contributes. */
export interface KeyVerdict {
  readonly findings: Finding[];
  readonly compared: number;
  readonly stale: number;
}

function readList(reads: readonly LocalRead[]): string {
  return reads.map((read) => `${read.node} read ${read.value} at applied index ${read.appliedIndex}`).join(', ');
}

function sameIndexDisagreement(reads: readonly LocalRead[]): [LocalRead, LocalRead] | undefined {
  for (const [i, a] of reads.entries()) {
    const b = reads.slice(i + 1).find((other) => other.appliedIndex === a.appliedIndex && other.value !== a.value);
    if (b !== undefined) return [a, b];
  }
  return undefined;
}

/** Judges one key's final reads. */
export function judgeKey(evidence: KeyEvidence): KeyVerdict {
  const floor = evidence.lastAcknowledged?.logIndex ?? 0;
  const compared = evidence.reads.filter((read) => read.appliedIndex >= floor);
  const stale = evidence.reads.length - compared.length;
  const expected = evidence.lastAcknowledged?.value ?? 'null';
  const explained = (read: LocalRead): boolean => read.value === expected || evidence.unknownValues.has(read.value);
  const distinct = new Set(compared.map((read) => read.value));
  const nodes = [...new Set(compared.map((read) => read.node))];
  const atW =
    evidence.lastAcknowledged === undefined
      ? 'no acknowledged write'
      : `last acknowledged write at index ${evidence.lastAcknowledged.logIndex} (op ${evidence.lastAcknowledged.op.index})`;
  const verdict = (finding: Finding | undefined): KeyVerdict => ({
    findings: finding === undefined ? [] : [finding],
    compared: compared.length,
    stale,
  });
  const sameIndex = sameIndexDisagreement(compared);
  if (sameIndex !== undefined) {
    const [a, b] = sameIndex;
    return verdict({
      invariant: 'I3',
      nodes: [a.node, b.node],
      opIndex: b.op.index,
      message: `DIVERGE on ${evidence.key}: ${readList([a, b])} (the same applied index, different values).`,
    });
  }
  const unexplained = compared.find((read) => !explained(read));
  // Without every acknowledged write's index, W is only a lower bound: a stale read could pass for a disagreement.
  const uncertain = evidence.unindexedAcknowledged > 0;
  if (distinct.size <= 1 && unexplained === undefined) return verdict(undefined);
  if (distinct.size > 1) {
    if (unexplained === undefined || uncertain) {
      return verdict({
        invariant: 'I3',
        nodes,
        undecided: true,
        message: `Reads of ${evidence.key} disagree (${readList(compared)}), which ${uncertain ? 'acknowledged writes without a log index' : 'writes of unknown outcome'} could explain.`,
      });
    }
    return verdict({
      invariant: 'I3',
      nodes,
      opIndex: unexplained.op.index,
      message: `DIVERGE on ${evidence.key}: ${readList(compared)}; ${atW}.`,
      details: { key: evidence.key, expected },
    });
  }
  if (uncertain || unexplained === undefined) return verdict(undefined);
  const message =
    evidence.lastAcknowledged === undefined
      ? `Every final read of ${evidence.key} returned ${unexplained.value}, a value no acknowledged or unknown-outcome write left (the key has no acknowledged write).`
      : `Every final read of ${evidence.key} at or above its ${atW} returned ${unexplained.value}, not the value ${expected} that write left.`;
  return verdict({
    invariant: 'lost-write',
    nodes,
    opIndex: unexplained.op.index,
    message,
    details: { key: evidence.key, expected, read: unexplained.value },
  });
}
