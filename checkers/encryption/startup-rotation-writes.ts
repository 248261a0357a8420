// E23 at the start of a leader (spec §7.9 BlockMutators): a node started
// with --rotate-on-startup that leads refuses public KV writes (and lease
// renewals) until it has rotated the storage DEK and then the raft DEK, each
// a RotateDEK entry (rotation sub-tag rotate-dek) it proposes as leader.
//
// Why the rule is exact. Every entry of term T was appended by T's leader,
// one process, in index order, and a leader never removes its own entries;
// an (index, term) pair names one entry in every log that holds it. So a
// rotate-dek entry of term T at index R, seen in any log (committed or not),
// was proposed by T's leader, and so was the committed entry of a client
// write at index L < R of the same term — before R. When every rotate-dek
// entry is a startup rotation (the history has no rotate-dek step at all),
// T's leader was a rotating leader whose rotation was not done when it
// proposed that write: the correct node refuses every write it is asked to
// propose from the moment it leads until both rotations applied (forwarded
// writes too: the leader's own gate admits them; Raft never forwards a
// proposal). A write a node admitted before it led is forwarded, not
// proposed: the gate's check and the leader check that chooses between
// proposing and forwarding run in one microtask drain, and a role change
// needs a peer message, which arrives in an I/O callback of its own.
//
// A write's entry is taken only from a node whose durable applied index
// reaches it: an applied entry is the committed one, while a stale log may
// hold another entry at that index, even of a higher term (Raft's figure 8).
// Writes whose ok has no logIndex, or whose entry no such node holds any
// more (compacted), are not judged; when none of the writes that could
// precede a rotation can be judged, the rule says undecided.
import { clientWrites, okOf, rolloutSteps } from '../artifacts/index.js';
import type { Finding, NodeInspection, OpPair } from '../artifacts/index.js';
import { rolloutProcess } from '../history/index.js';
import type { HistoryValue } from '../history/index.js';

/** The node flag that requests a startup rotation. */
export const rotateOnStartupFlag = '--rotate-on-startup';

/** The rotate-dek entries of one term. */
interface RotationTerm {
  readonly term: number;
  /** The lowest index of an entry of this term seen in any log (where the term starts, or later). */
  readonly firstIndex: number;
  readonly lastRotationIndex: number;
}

function flagsOf(value: HistoryValue): readonly HistoryValue[] {
  const flags =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as { readonly extraFlags?: HistoryValue }).extraFlags
      : undefined;
  return Array.isArray(flags) ? (flags as readonly HistoryValue[]) : [];
}

/** True when a rollout step (re)started a node with --rotate-on-startup and no rotate-dek step was ever invoked. */
export function onlyStartupRotations(pairs: readonly OpPair[]): boolean {
  const requested = pairs.some(
    ({ invoke }) =>
      invoke.process === rolloutProcess &&
      (invoke.f === 'restart' || invoke.f === 'upgrade-stage') &&
      flagsOf(invoke.value).includes(rotateOnStartupFlag),
  );
  return requested && rolloutSteps(pairs, 'rotate-dek').length === 0;
}

/** The terms holding rotate-dek entries, each with its last one. */
function rotationTerms(inspections: readonly NodeInspection[]): Map<number, RotationTerm> {
  const last = new Map<number, number>();
  for (const { records } of inspections) {
    for (const record of records)
      if (record.kind === 'raft-entry' && record.subtag === 'rotate-dek')
        last.set(record.term, Math.max(last.get(record.term) ?? 0, record.index));
  }
  const first = new Map<number, number>();
  for (const { records } of inspections) {
    for (const record of records)
      if (record.kind === 'raft-entry' && last.has(record.term))
        first.set(record.term, Math.min(first.get(record.term) ?? Infinity, record.index));
  }
  return new Map(
    [...last].map(([term, lastRotationIndex]) => [
      term,
      { term, firstIndex: first.get(term) ?? lastRotationIndex, lastRotationIndex },
    ]),
  );
}

/** Log index → term of the committed entry there, from every node's entries up to its durable applied index. */
function committedTerms(inspections: readonly NodeInspection[]): Map<number, number> {
  const terms = new Map<number, number>();
  for (const { records } of inspections) {
    const applied = records.reduce(
      (max, record) => (record.kind === 'fsm' ? Math.max(max, record.appliedIndex) : max),
      0,
    );
    for (const record of records)
      if (record.kind === 'raft-entry' && record.index <= applied && !terms.has(record.index))
        terms.set(record.index, record.term);
  }
  return terms;
}

/** The leader a transfer-leadership step reported for each term. */
function reportedLeaders(pairs: readonly OpPair[]): Map<number, string> {
  const leaders = new Map<number, string>();
  for (const pair of rolloutSteps(pairs, 'transfer-leadership')) {
    const value = okOf(pair)?.value;
    const { leader, term } =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as { readonly leader?: HistoryValue; readonly term?: HistoryValue })
        : {};
    if (typeof leader === 'string' && typeof term === 'number') leaders.set(term, leader);
  }
  return leaders;
}

/** E23 for startup rotations; `checked` counts the writes whose committed entry was found. */
export function checkStartupRotationWrites(
  pairs: readonly OpPair[],
  inspections: readonly NodeInspection[],
): { readonly findings: Finding[]; readonly checked: number } {
  if (!onlyStartupRotations(pairs)) return { findings: [], checked: 0 };
  const rotations = rotationTerms(inspections);
  if (rotations.size === 0) return { findings: [], checked: 0 };
  const terms = committedTerms(inspections);
  const leaders = reportedLeaders(pairs);
  const spans = [...rotations.values()];
  const inSomeSpan = (index: number): boolean =>
    spans.some((span) => index >= span.firstIndex && index < span.lastRotationIndex);
  const findings: Finding[] = [];
  let checked = 0;
  let candidates = 0;
  let candidatesChecked = 0;
  for (const pair of clientWrites(pairs)) {
    const ok = okOf(pair);
    const logIndex = ok?.logIndex;
    if (ok === undefined || logIndex === undefined) continue;
    const term = terms.get(logIndex);
    const candidate = inSomeSpan(logIndex);
    if (candidate) candidates += 1;
    if (term === undefined) continue;
    checked += 1;
    if (candidate) candidatesChecked += 1;
    const rotation = rotations.get(term);
    if (rotation === undefined || logIndex >= rotation.lastRotationIndex) continue;
    const leader = leaders.get(term);
    findings.push({
      invariant: 'E23',
      opIndex: ok.index,
      ...(leader === undefined ? {} : { nodes: [leader] }),
      message: `A client ${pair.invoke.f} (op ${ok.index}) applied at log index ${logIndex}, an entry of term ${term}, below that term's rotate-dek entry at ${rotation.lastRotationIndex}: the leader of term ${term}${leader === undefined ? '' : ` (${leader})`} served it while its requested startup rotation was pending (spec §7.9 BlockMutators).`,
      details: { logIndex, term, lastRotationIndex: rotation.lastRotationIndex },
    });
  }
  const gap: Finding[] =
    candidates > 0 && candidatesChecked === 0
      ? [
          {
            invariant: 'E23',
            undecided: true,
            message: `None of the ${candidates} client writes applied in a term that rotated at startup, below its rotation, has its entry in an inspection of a node that applied it (compacted?), so writes served before the startup rotation finished cannot be ruled out.`,
          },
        ]
      : [];
  return { findings: [...findings, ...gap], checked };
}
