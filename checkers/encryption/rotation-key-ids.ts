// Rotations take effect for new data. E14 (raft): after an ok rotate-dek of
// the raft purpose with new id K, the log entry of every client write
// invoked after that ok (found by the write's logIndex, above the raft
// cutover) is wrapped under K or a newer key. E23 (storage): after an ok
// rotate-dek of the storage purpose with new id K, the encrypted MVCC
// records of canary keys written only after that ok carry key id K or
// newer. Key ids only grow (a rotation takes max(keys) + 1, spec §7.9).
// Both key on rotate-dek steps of the history; a startup rotation
// (--rotate-on-startup) is no step: startup-rotation-writes.ts judges it.
import { clientWrites, okOf, rotateOkValue, stepOks } from '../artifacts/index.js';
import type { Finding, RaftEntryInspectView } from '../artifacts/index.js';
import type { StepOk } from '../artifacts/index.js';
import type { RolloutOkValues } from '../artifacts/index.js';
import type { EncryptionFacts } from './encryption-facts.js';

type RotationOk = StepOk<RolloutOkValues['rotate-dek']>;

/** The newest key id rotated in for `purpose` by an ok before history position `before`. */
function requiredKeyId(rotations: readonly RotationOk[], before: number): RotationOk | undefined {
  let newest: RotationOk | undefined;
  for (const rotation of rotations)
    if (rotation.ok.index < before && (newest === undefined || rotation.value.newDekId > newest.value.newDekId))
      newest = rotation;
  return newest;
}

function raftEntriesByIndex(facts: EncryptionFacts): Map<number, { node: string; entry: RaftEntryInspectView }[]> {
  const byIndex = new Map<number, { node: string; entry: RaftEntryInspectView }[]>();
  for (const { node, records } of facts.input.inspections) {
    for (const record of records)
      if (record.kind === 'raft-entry')
        byIndex.set(record.index, [...(byIndex.get(record.index) ?? []), { node, entry: record }]);
  }
  return byIndex;
}

/** E14; `checked` counts the writes whose entry was found. */
export function checkRaftRotations(
  facts: EncryptionFacts,
  rotations: readonly RotationOk[],
): { readonly findings: Finding[]; readonly checked: number } {
  const raft = rotations.filter((rotation) => rotation.value.purpose === 'raft');
  const cutover = facts.raft.index;
  if (raft.length === 0 || cutover === undefined) return { findings: [], checked: 0 };
  const entries = raftEntriesByIndex(facts);
  const findings: Finding[] = [];
  let candidates = 0;
  let checked = 0;
  for (const pair of clientWrites(facts.pairs)) {
    const logIndex = okOf(pair)?.logIndex;
    const rotation = requiredKeyId(raft, pair.invoke.index);
    if (logIndex === undefined || logIndex <= cutover || rotation === undefined) continue;
    candidates += 1;
    const seen = (entries.get(logIndex) ?? []).filter(({ entry }) => entry.envelope !== undefined);
    if (seen.length > 0) checked += 1;
    const stale = seen.find(({ entry }) => (entry.envelope?.keyId ?? 0) < rotation.value.newDekId);
    if (stale === undefined) continue;
    findings.push({
      invariant: 'E14',
      nodes: [stale.node],
      opIndex: okOf(pair)?.index ?? pair.invoke.index,
      message: `Entry ${logIndex} of a write invoked after rotate-dek raft to key ${rotation.value.newDekId} (op ${rotation.ok.index}) is wrapped under the older key ${stale.entry.envelope?.keyId}.`,
      details: {
        logIndex,
        keyId: stale.entry.envelope?.keyId,
        required: rotation.value.newDekId,
        rotationOp: rotation.ok.index,
      },
    });
  }
  const gap: Finding[] =
    candidates > 0 && checked === 0
      ? [
          {
            invariant: 'E14',
            undecided: true,
            message: `None of the ${candidates} log entries of writes after a raft-DEK rotation is in any inspection (compacted?), so the new key id cannot be confirmed.`,
          },
        ]
      : [];
  return { findings: [...findings, ...gap], checked };
}

/** E23; `checked` counts the encrypted records compared. */
export function checkStorageRotations(
  facts: EncryptionFacts,
  rotations: readonly RotationOk[],
): { readonly findings: Finding[]; readonly checked: number } {
  const storage = rotations.filter((rotation) => rotation.value.purpose === 'storage');
  if (storage.length === 0) return { findings: [], checked: 0 };
  // A key counts only when every write to it came after the rotation: then each of its versions must use the new key.
  const firstInvoke = new Map<string, number>();
  for (const canary of facts.canaries)
    if (!firstInvoke.has(canary.key)) firstInvoke.set(canary.key, canary.pair.invoke.index);
  const required = new Map<string, RotationOk>();
  for (const [key, invoke] of firstInvoke) {
    const rotation = requiredKeyId(storage, invoke);
    if (rotation !== undefined) required.set(key, rotation);
  }
  const findings: Finding[] = [];
  let checked = 0;
  for (const { node, records } of facts.input.inspections) {
    for (const record of records) {
      if (record.kind !== 'mvcc' || record.envelope === undefined || record.key === null) continue;
      const rotation = required.get(record.key);
      if (rotation === undefined) continue;
      checked += 1;
      if (record.envelope.keyId >= rotation.value.newDekId) continue;
      findings.push({
        invariant: 'E23',
        nodes: [node],
        opIndex: rotation.ok.index,
        message: `${node}'s ${record.source} record of ${record.key}, written after rotate-dek storage to key ${rotation.value.newDekId} (op ${rotation.ok.index}), is encrypted under the older key ${record.envelope.keyId}.`,
        details: {
          key: record.key,
          commitTs: record.commitTs,
          keyId: record.envelope.keyId,
          required: rotation.value.newDekId,
        },
      });
    }
  }
  // A record is owed only by a key with an acknowledged write: when every write after the rotation failed
  // (or stayed unknown), finding no record is what a correct run looks like, not a gap.
  const acknowledged = new Set(
    facts.canaries
      .filter((canary) => required.has(canary.key) && okOf(canary.pair) !== undefined)
      .map((canary) => canary.key),
  );
  const gap: Finding[] =
    acknowledged.size > 0 && checked === 0 && facts.storage.index !== undefined
      ? [
          {
            invariant: 'E23',
            undecided: true,
            message: `No encrypted record of the ${acknowledged.size} canary keys acknowledged after a storage-DEK rotation is in any inspection, so the new key id cannot be confirmed.`,
          },
        ]
      : [];
  return { findings: [...findings, ...gap], checked };
}

/** The rotations of the history, validated. */
export function rotationOks(facts: EncryptionFacts): { readonly oks: RotationOk[]; readonly malformed: Finding[] } {
  const { oks, malformed } = stepOks(facts.pairs, 'rotate-dek', rotateOkValue);
  return {
    oks,
    malformed: malformed.map((op) => ({
      invariant: 'E14',
      opIndex: op.index,
      undecided: true,
      message: `The ok of rotate-dek (op ${op.index}) carries no readable { appliedIndex, purpose, newDekId } (nor { purpose, newDekId, confirmedBy: 'sidecar' }), so the rotation cannot be followed.`,
    })),
  };
}
