// I5: exactly-at-cutover dispatch. For the raft cutover N (one index for the
// cluster, see cutover-facts.ts): every log entry above N that carries a
// proposal is wrapped, and the entry at N — the marker, a cleartext
// enable-raft-envelope rotation — is not. Every node's log is checked
// against the cluster's N: a follower's log holds the leader's entries
// verbatim, whatever its own sidecar says.
import type { Finding, RaftEntryInspectView } from '../artifacts/index.js';
import type { EncryptionFacts } from './encryption-facts.js';

const markerSubtag = 'enable-raft-envelope';
/** Entry indexes listed per finding. */
const listedEntriesMax = 10;

function markerFinding(node: string, entry: RaftEntryInspectView, facts: EncryptionFacts): Finding | undefined {
  const opIndex = facts.opAtLogIndex.get(entry.index);
  const at = { invariant: 'I5', nodes: [node], ...(opIndex === undefined ? {} : { opIndex }) };
  if (entry.wrapped)
    return {
      ...at,
      message: `${node}'s log entry ${entry.index}, the raft cutover marker, is wrapped (the marker must be cleartext).`,
    };
  if (entry.subtag !== undefined && entry.subtag !== markerSubtag) {
    return {
      ...at,
      message: `${node}'s log entry at the raft cutover ${entry.index} is a ${entry.opcodeName ?? 'payload'} ${entry.subtag}, not the enable-raft-envelope marker.`,
      details: { opcode: entry.opcode, subtag: entry.subtag },
    };
  }
  return undefined;
}

/** One finding per node with cleartext proposals above the cutover, one per misplaced marker. */
export function checkRaftEntryWrapping(facts: EncryptionFacts): Finding[] {
  const cutover = facts.raft.index;
  if (cutover === undefined) return [];
  const findings: Finding[] = [];
  for (const { node, records } of facts.input.inspections) {
    const cleartext: RaftEntryInspectView[] = [];
    for (const record of records) {
      if (record.kind !== 'raft-entry') continue;
      if (record.index === cutover) {
        const finding = markerFinding(node, record, facts);
        if (finding !== undefined) findings.push(finding);
      } else if (record.index > cutover && record.type === 'normal' && record.proposalId !== null && !record.wrapped) {
        cleartext.push(record);
      }
    }
    const [first] = cleartext;
    if (first === undefined) continue;
    const opIndex = cleartext.map((entry) => facts.opAtLogIndex.get(entry.index)).find((index) => index !== undefined);
    findings.push({
      invariant: 'I5',
      nodes: [node],
      ...(opIndex === undefined ? {} : { opIndex }),
      message: `${node}'s log holds ${cleartext.length} cleartext proposal${cleartext.length === 1 ? '' : 's'} above the raft cutover ${cutover} (first: entry ${first.index}, ${first.opcodeName ?? 'unknown payload'}).`,
      details: {
        cutover,
        entries: cleartext
          .slice(0, listedEntriesMax)
          .map((entry) => ({ index: entry.index, opcodeName: entry.opcodeName, subtag: entry.subtag })),
      },
    });
  }
  return findings;
}
