// I2: nonce uniqueness per DEK (spec §2.9, with the harness's definition of
// reuse): one (key id, nonce) pair must never appear with two different
// ciphertexts or two different AADs, across every node's raft entries and
// MVCC records. The same envelope seen twice — a raft entry replicated to
// every log, a record in both the store and the snapshot, a record installed
// from a leader's snapshot — has equal digests and is not reuse.
import type {
  EnvelopeView,
  Finding,
  InspectView,
  MvccInspectView,
  NodeInspection,
  RaftEntryInspectView,
} from '../artifacts/index.js';

/** Where an envelope was seen. */
interface Occurrence {
  readonly node: string;
  readonly record: RaftEntryInspectView | MvccInspectView;
  readonly envelope: EnvelopeView;
  /** The raft entry index, for raft envelopes. */
  readonly entryIndex?: number;
}

function occurrenceOf(node: string, record: InspectView): Occurrence | undefined {
  if (record.kind === 'raft-entry' && record.envelope !== undefined)
    return { node, record, envelope: record.envelope, entryIndex: record.index };
  if (record.kind === 'mvcc' && record.envelope !== undefined) return { node, record, envelope: record.envelope };
  return undefined;
}

/** The record, in words (built only for findings). */
function where(occurrence: Occurrence): string {
  const { record } = occurrence;
  return record.kind === 'raft-entry'
    ? `raft entry ${record.index}`
    : `${record.source} record of ${record.key ?? `0x${record.keyHex}`} @${record.commitTs}`;
}

function describe(occurrence: Occurrence): string {
  return `${occurrence.node} ${where(occurrence)}`;
}

/** Every envelope of every inspection, in order. */
export function envelopeOccurrences(inspections: readonly NodeInspection[]): Occurrence[] {
  return inspections.flatMap(({ node, records }) => records.flatMap((record) => occurrenceOf(node, record) ?? []));
}

/** The later of two MVCC occurrences (by commit timestamp): the write that reused the nonce. */
function laterRecord(a: Occurrence, b: Occurrence): MvccInspectView | undefined {
  if (a.record.kind !== 'mvcc' || b.record.kind !== 'mvcc') return undefined;
  return BigInt(a.record.commitTs) >= BigInt(b.record.commitTs) ? a.record : b.record;
}

/**
 * The history op a reuse is first visible at: the client op of the raft
 * entry, or, for two MVCC records, the acknowledged write of the later one
 * when its key was written exactly once (a canary: `opOfKey`).
 */
function reuseOp(
  seen: Occurrence,
  occurrence: Occurrence,
  opAtLogIndex: ReadonlyMap<number, number>,
  opOfKey: ReadonlyMap<string, number>,
): number | undefined {
  const entryIndex = seen.entryIndex ?? occurrence.entryIndex;
  if (entryIndex !== undefined) return opAtLogIndex.get(entryIndex);
  const key = laterRecord(seen, occurrence)?.key;
  return key === null || key === undefined ? undefined : opOfKey.get(key);
}

/**
 * One finding per (key id, nonce) pair seen with different ciphertext or AAD.
 * `opOfKey` maps a key written once in the history to its write's ok op, so
 * a reuse between two stored records names the op that made it.
 */
export function checkNonceReuse(
  inspections: readonly NodeInspection[],
  opAtLogIndex: ReadonlyMap<number, number>,
  opOfKey: ReadonlyMap<string, number>,
): { readonly findings: Finding[]; readonly envelopes: number } {
  const first = new Map<string, Occurrence>();
  const reported = new Set<string>();
  const findings: Finding[] = [];
  const occurrences = envelopeOccurrences(inspections);
  for (const occurrence of occurrences) {
    const { keyId, nonceHex, ciphertextSha256, aadSha256 } = occurrence.envelope;
    const pair = `${keyId}/${nonceHex}`;
    const seen = first.get(pair);
    if (seen === undefined) {
      first.set(pair, occurrence);
      continue;
    }
    const differs = [
      seen.envelope.ciphertextSha256 !== ciphertextSha256 ? 'ciphertext' : '',
      seen.envelope.aadSha256 !== aadSha256 ? 'AAD' : '',
    ].filter((part) => part !== '');
    if (differs.length === 0 || reported.has(pair)) continue;
    reported.add(pair);
    const opIndex = reuseOp(seen, occurrence, opAtLogIndex, opOfKey);
    findings.push({
      invariant: 'I2',
      nodes: [...new Set([seen.node, occurrence.node])],
      ...(opIndex === undefined ? {} : { opIndex }),
      message: `Nonce ${nonceHex} under key ${keyId} was used twice with different ${differs.join(' and ')}: ${describe(seen)} and ${describe(occurrence)}.`,
      details: {
        keyId,
        nonceHex,
        nonceNodeId16: occurrence.envelope.nonceNodeId16,
        nonceLocalEpoch: occurrence.envelope.nonceLocalEpoch,
        nonceWriteCount: occurrence.envelope.nonceWriteCount,
        first: where(seen),
        second: where(occurrence),
      },
    });
  }
  return { findings, envelopes: occurrences.length };
}
