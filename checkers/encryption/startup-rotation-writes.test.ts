import { describe, expect, it } from 'vitest';
import { pairOps } from '../artifacts/index.js';
import type { ArtifactCheckResult, InspectView, NodeInspection } from '../artifacts/index.js';
import { HistoryBuilder } from '../artifacts/test/builders.js';
import type { HistoryOp } from '../history/index.js';
import { checkEncryption } from './index.js';
import type { EncryptionInput } from './index.js';
import { checkStartupRotationWrites } from './startup-rotation-writes.js';
import { canaries, correctRun, raftCutover, storageCutover } from './test/rollout-fixture.js';

// The fixture's full rollout, with the operator's rotations replaced by a
// startup rotation: after Phase 2, n2 restarts with --rotate-on-startup and
// becomes leader of term 3, which starts at index 25. As leader it rotates
// the storage DEK (entry 25) and then the raft DEK (27); the write of x
// applies at 30 — or, on a node that serves writes while rotating (E23),
// at 27, between the two rotations (then the raft rotation is entry 30).

const leaderTerm = 3;

function startupHistory(
  writeIndex: number,
  options: { readonly flag?: boolean; readonly operatorRotation?: boolean } = {},
): { ops: HistoryOp[]; writeOk: number } {
  const h = new HistoryBuilder();
  h.step('bootstrap', { value: { appliedIndex: 5, storageDekId: 1, raftDekId: 2, writers: 3 }, logIndex: 5 });
  h.write(0, canaries[0]!.key, canaries[0]!.value, { logIndex: 8 });
  h.step('enable-storage-envelope', {
    value: { appliedIndex: storageCutover, wasAlreadyActive: false },
    logIndex: storageCutover,
  });
  h.write(1, canaries[1]!.key, canaries[1]!.value, { logIndex: 12 });
  h.step('enable-raft-envelope', {
    value: { appliedIndex: raftCutover, wasAlreadyActive: false },
    logIndex: raftCutover,
  });
  h.write(2, canaries[2]!.key, canaries[2]!.value, { logIndex: 22 });
  const extraFlags = options.flag === false ? [] : ['--rotate-on-startup'];
  h.step('restart', {
    params: { step: 's7', attempt: 1, nodes: [{ id: 'n2' }], mode: 'stop', rolling: false, extraFlags },
    value: { step: 's7', attempt: 1, nodes: ['n2'], mode: 'stop' },
    node: 'n2',
  });
  h.step('transfer-leadership', {
    params: { step: 's8', attempt: 1, to: { id: 'n2' } },
    value: { step: 's8', attempt: 1, leader: 'n2', term: leaderTerm },
    node: 'n1',
  });
  const writeOk = h.write(3, 'x', 7, { logIndex: writeIndex }).completion!.index;
  if (options.operatorRotation === true)
    h.step('rotate-dek', { params: { step: 's9', attempt: 1, purpose: 'raft' }, completion: 'info' });
  h.write(4, canaries[3]!.key, canaries[3]!.value, { logIndex: 32 });
  return { ops: h.ops, writeOk };
}

/** Entries from 25 on are of term 3; `rotations` are its rotate-dek entries (wrapped, opened with the KEK). */
function startupRecords(records: readonly InspectView[], rotations: readonly number[]): InspectView[] {
  return records.map((record) => {
    if (record.kind !== 'raft-entry' || record.index < 25) return record;
    const rotation = rotations.includes(record.index)
      ? { opcode: 5, opcodeName: 'rotation', subtag: 'rotate-dek', unwrapped: true }
      : {};
    return { ...record, term: leaderTerm, ...rotation };
  });
}

function startupRun(
  writeIndex: 27 | 30,
  options: { readonly flag?: boolean; readonly operatorRotation?: boolean } = {},
): EncryptionInput {
  const input = correctRun();
  const rotations = writeIndex === 30 ? [25, 27] : [25, 30];
  return {
    ...input,
    history: startupHistory(writeIndex, options).ops,
    inspections: input.inspections.map(({ node, records }) => ({ node, records: startupRecords(records, rotations) })),
  };
}

function violations(result: ArtifactCheckResult): string[] {
  return result.findings.filter((finding) => finding.undecided !== true).map((finding) => finding.invariant);
}

function withInspections(
  input: EncryptionInput,
  change: (inspection: NodeInspection) => NodeInspection,
): EncryptionInput {
  return { ...input, inspections: input.inspections.map(change) };
}

describe('encryption: E23, no client write served before a startup rotation finished', () => {
  it("a correct run: the rotating leader's first write applies above its raft rotation", () => {
    const result = checkEncryption(startupRun(30));
    expect(result.findings).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.checked).toMatchObject({ rotations: 0, startupRotationWritesChecked: 5 });
  });

  it("a write of the rotating leader's term below its raft rotation entry", () => {
    const input = startupRun(27);
    const result = checkEncryption(input);
    expect(violations(result)).toEqual(['E23']);
    expect(result.findings[0]).toMatchObject({
      nodes: ['n2'],
      opIndex: startupHistory(27).writeOk,
      details: { logIndex: 27, term: leaderTerm, lastRotationIndex: 30 },
      message: expect.stringMatching(/log index 27, an entry of term 3, below that term's rotate-dek entry at 30/),
    });
  });

  it('a write of an earlier term below the rotation is no finding (another leader proposed it)', () => {
    // canary-2 at 22 is of term 2: below both rotations, and fine.
    const result = checkStartupRotationWrites(pairOps(startupRun(30).history), startupRun(30).inspections);
    expect(result).toEqual({ findings: [], checked: 5 });
  });

  it('applies only when every rotation is a startup one: no --rotate-on-startup restart, or any rotate-dek step, and it says nothing', () => {
    expect(checkEncryption(startupRun(27, { flag: false })).valid).toBe(true);
    // An operator rotation that may have happened (info) could be the entry at 30, proposed after the write.
    expect(checkEncryption(startupRun(27, { operatorRotation: true })).valid).toBe(true);
  });

  it("an entry at the write's index in a log that did not apply it is not the write's entry (a stale log may hold a higher term there)", () => {
    // n3 holds a stale entry of term 3 at 22 but applied only up to 21: canary-2's entry is the term-2 one n1 and n2 applied.
    const stale = withInspections(startupRun(30), ({ node, records }) => ({
      node,
      records:
        node !== 'n3'
          ? records
          : records.map((record) => {
              if (record.kind === 'fsm') return { kind: 'fsm', appliedIndex: 21 };
              return record.kind === 'raft-entry' && record.index === 22 ? { ...record, term: leaderTerm } : record;
            }),
    }));
    expect(checkEncryption(stale).valid).toBe(true);
    // Had n1 and n2 not applied it either, n3's entry would not be taken: nothing to judge it by.
    const only = withInspections(stale, ({ node, records }) => ({
      node,
      records:
        node === 'n3' ? records : records.filter((record) => !(record.kind === 'raft-entry' && record.index === 22)),
    }));
    expect(checkStartupRotationWrites(pairOps(only.history), only.inspections).checked).toBe(4);
  });

  it('writes whose entries are gone from every inspection (compacted) are undecided, not valid', () => {
    const compacted = withInspections(startupRun(27), ({ node, records }) => ({
      node,
      records: records.filter((record) => !(record.kind === 'raft-entry' && record.index === 27)),
    }));
    const result = checkEncryption(compacted);
    expect(result.valid).toBe('unknown');
    expect(result.findings).toEqual([expect.objectContaining({ invariant: 'E23', undecided: true })]);
  });

  it('a write ok without a logIndex is not judged', () => {
    const input = startupRun(27);
    const history = input.history.map((op) => {
      if (op.type !== 'ok' || op.key !== 'x') return op;
      const { logIndex: _unknown, ...rest } = op;
      return rest;
    });
    expect(checkEncryption({ ...input, history }).valid).toBe(true);
  });
});
