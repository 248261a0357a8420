import { describe, expect, it } from 'vitest';
import type { ArtifactCheckResult, InspectView, MvccInspectView, RaftEntryInspectView } from '../artifacts/index.js';
import { envelope, mvcc, raftEntry, sample, sidecarRecord } from '../artifacts/test/builders.js';
import { checkEncryption } from './index.js';
import { checkRaftEpochBeforeCutover } from './sidecar-state.js';
import type { EncryptionInput } from './index.js';
import type { HistoryOp } from '../history/index.js';
import { canaries, correctRun, raftCutover, rolloutHistory, withRecords } from './test/rollout-fixture.js';

function violations(result: ArtifactCheckResult): string[] {
  return result.findings.filter((finding) => finding.undecided !== true).map((finding) => finding.invariant);
}

function replaceRecord(
  records: InspectView[],
  match: (record: InspectView) => boolean,
  replacement: InspectView,
): InspectView[] {
  return records.map((record) => (match(record) ? replacement : record));
}

const isEntry =
  (index: number) =>
  (record: InspectView): boolean =>
    record.kind === 'raft-entry' && record.index === index;
const isMvcc =
  (key: string) =>
  (record: InspectView): boolean =>
    record.kind === 'mvcc' && record.key === key;

describe('encryption: a correct full rollout passes', () => {
  it('plaintext only before the cutovers, every envelope unique, replicas agree, nothing regresses', () => {
    const result = checkEncryption(correctRun());
    expect(result.findings).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.checked).toMatchObject({
      inspections: 3,
      canaries: 4,
      storageCutoverIndex: 10,
      raftCutoverIndex: 20,
      rotatedRaftEntriesChecked: 2,
      rotatedRecordsChecked: 3,
    });
  });

  it('the same envelope seen in the store and the snapshot, or on several nodes, is not nonce reuse', () => {
    const input = correctRun();
    const copied = input.inspections[0]!.records.filter(
      (record): record is MvccInspectView => record.kind === 'mvcc' && record.envelope !== undefined,
    );
    const withSnapshot = withRecords(input, 'n2', (records) => [
      ...copied.map((record) => ({ ...record, source: 'snapshot' as const })),
      ...records,
    ]);
    expect(checkEncryption(withSnapshot).valid).toBe(true);
  });
});

describe('encryption: I1 no plaintext canary after a cutover', () => {
  it('a cleartext store record of a canary written after the storage cutover', () => {
    const input = withRecords(correctRun(), 'n2', (records) =>
      replaceRecord(records, isMvcc('canary-1'), mvcc('canary-1', { value: canaries[1]!.value })),
    );
    const result = checkEncryption(input);
    expect(violations(result)).toEqual(['I1']);
    expect(result.findings[0]).toMatchObject({ nodes: ['n2'], opIndex: rolloutHistory().ops.canary1 });
  });

  it('a cleartext snapshot record given only as valueHex', () => {
    const leaked = mvcc('canary-2', { value: canaries[2]!.value, source: 'snapshot' });
    const { value: _value, ...hexOnly } = leaked;
    const input = withRecords(correctRun(), 'n3', (records) => [
      ...records.slice(0, -1),
      hexOnly,
      ...records.slice(-1),
    ]);
    expect(violations(checkEncryption(input))).toEqual(['I1']);
  });

  it('a canary invoked before the Enable ok but acknowledged above the known cutover index counts too', () => {
    const input = correctRun();
    // canary-0 acknowledged at log index 11 > storage cutover 10: proposed above it.
    const history = input.history.map((op) =>
      op.f === 'write' && op.key === 'canary-0' && op.type === 'ok' ? { ...op, logIndex: 11 } : op,
    );
    expect(violations(checkEncryption({ ...input, history }))).toEqual(['I1', 'I1', 'I1']);
  });

  it('raw bytes holding a canary written after the raft cutover', () => {
    const input = correctRun();
    const files = input.files.map((file) =>
      file.node === 'n3' && file.path.endsWith('.log')
        ? { ...file, bytes: new Uint8Array([...file.bytes, ...Buffer.from(`\u0007${canaries[2]!.value}\u0008`)]) }
        : file,
    );
    const result = checkEncryption({ ...input, files });
    expect(violations(result)).toEqual(['I1']);
    expect(result.findings[0]).toMatchObject({
      path: 'nodes/n3/data/000005.log',
      nodes: ['n3'],
      opIndex: rolloutHistory().ops.canary2,
    });
  });
});

describe('encryption: I5 exactly-at-cutover wrapping', () => {
  it('a cleartext proposal above the raft cutover', () => {
    const input = withRecords(correctRun(), 'n1', (records) => replaceRecord(records, isEntry(22), raftEntry(22)));
    const result = checkEncryption(input);
    expect(violations(result)).toEqual(['I5']);
    expect(result.findings[0]).toMatchObject({ nodes: ['n1'], opIndex: rolloutHistory().ops.canary2 });
  });

  it('a wrapped marker', () => {
    const wrappedMarker: RaftEntryInspectView = raftEntry(raftCutover, { wrapped: true, envelope: envelope(2, 99) });
    expect(
      violations(
        checkEncryption(
          withRecords(correctRun(), 'n2', (records) => replaceRecord(records, isEntry(raftCutover), wrappedMarker)),
        ),
      ),
    ).toEqual(['I5']);
  });

  it('an entry at the cutover that is not the marker', () => {
    const notMarker = raftEntry(raftCutover, { opcode: 5, opcodeName: 'rotation', subtag: 'rotate-dek' });
    expect(
      violations(
        checkEncryption(
          withRecords(correctRun(), 'n2', (records) => replaceRecord(records, isEntry(raftCutover), notMarker)),
        ),
      ),
    ).toEqual(['I5']);
  });

  it('sources that disagree on the raft cutover index', () => {
    const input = correctRun();
    const samples = [
      ...input.samples,
      sample(500, 'n3', {
        sidecar: {
          appliedIndex: 36,
          storageEnvelopeActive: true,
          storageEnvelopeCutoverIndex: 10,
          raftEnvelopeCutoverIndex: 21,
          keyIds: [1, 2, 3, 4],
          activeRaftId: 3,
          activeStorageId: 4,
        },
      }),
    ];
    const result = checkEncryption({ ...input, samples });
    expect(violations(result)).toContain('I5');
    expect(result.findings.find((finding) => finding.invariant === 'I5')?.message).toMatch(/21 from n3/);
  });
});

describe('encryption: I2 nonce uniqueness', () => {
  it('one (key id, nonce) with two ciphertexts on two nodes', () => {
    const n1Record = correctRun().inspections[0]!.records.find(isMvcc('canary-1')) as MvccInspectView;
    const reuse = mvcc('canary-1', { envelope: { ...n1Record.envelope!, ciphertextSha256: 'ab'.repeat(32) } });
    const result = checkEncryption(
      withRecords(correctRun(), 'n2', (records) => replaceRecord(records, isMvcc('canary-1'), reuse)),
    );
    expect(violations(result)).toEqual(['I2']);
    expect(result.findings[0]?.nodes).toEqual(['n1', 'n2']);
  });

  it('one (key id, nonce) with the same ciphertext under two AADs (a relocated record)', () => {
    const n1Record = correctRun().inspections[0]!.records.find(isMvcc('canary-1')) as MvccInspectView;
    const relocated = mvcc('canary-9', { envelope: { ...n1Record.envelope!, aadSha256: 'cd'.repeat(32) } });
    expect(violations(checkEncryption(withRecords(correctRun(), 'n1', (records) => [relocated, ...records])))).toEqual([
      'I2',
    ]);
  });

  it("a reuse between two stored records names the later record's write when its key was written once (a canary), else no op", () => {
    const n1Record = correctRun().inspections[0]!.records.find(isMvcc('canary-1')) as MvccInspectView;
    // canary-2's record reuses canary-1's nonce and is the later one: the reuse happened at canary-2's write.
    const reuse = mvcc('canary-2', {
      commitTs: '200',
      envelope: { ...n1Record.envelope!, ciphertextSha256: 'ab'.repeat(32) },
    });
    const later = checkEncryption(
      withRecords(correctRun(), 'n1', (records) => replaceRecord(records, isMvcc('canary-2'), reuse)),
    );
    expect(violations(later)).toEqual(['I2']);
    expect(later.findings[0]?.opIndex).toBe(rolloutHistory().ops.canary2);
    // The later record is of a key no write of the history made: no op to name.
    const unnamed = mvcc('never-written', {
      commitTs: '300',
      envelope: { ...n1Record.envelope!, ciphertextSha256: 'cd'.repeat(32) },
    });
    const result = checkEncryption(withRecords(correctRun(), 'n1', (records) => [...records, unnamed]));
    expect(violations(result)).toEqual(['I2']);
    expect(result.findings[0]?.opIndex).toBeUndefined();
  });
});

describe('encryption: I3 replicas agree at the same applied index', () => {
  it('sampled sidecars that disagree on the active raft key', () => {
    const input = correctRun();
    const samples = input.samples.map((s) =>
      s.node === 'n2' && s.sidecar?.appliedIndex === 26 ? { ...s, sidecar: { ...s.sidecar, activeRaftId: 2 } } : s,
    );
    const result = checkEncryption({ ...input, samples });
    expect(violations(result)).toEqual(['I3']);
    expect(result.findings[0]?.message).toMatch(/activeRaftId 3 on n1 vs 2 on n2/);
  });

  it('registries that differ between nodes at the same durable applied index', () => {
    const input = withRecords(correctRun(), 'n3', (records) =>
      records.filter((record) => !(record.kind === 'registry' && record.nodeId16 === 2)),
    );
    const result = checkEncryption(input);
    expect(violations(result)).toEqual(['I3']);
    expect(result.findings[0]?.nodes).toEqual(['n1', 'n3']);
  });
});

describe('encryption: I8 one-way state', () => {
  it('the storage envelope flag going back after a restart', () => {
    const input = correctRun();
    const samples = [
      ...input.samples,
      sample(500, 'n1', { process: 'down' }),
      sample(600, 'n1', {
        sidecar: {
          appliedIndex: 35,
          storageEnvelopeActive: false,
          storageEnvelopeCutoverIndex: 10,
          raftEnvelopeCutoverIndex: 20,
          keyIds: [1, 2, 3, 4],
          activeRaftId: 3,
          activeStorageId: 4,
        },
      }),
    ];
    const result = checkEncryption({ ...input, samples });
    expect(violations(result)).toContain('I8');
    expect(result.findings.find((finding) => finding.invariant === 'I8')?.message).toMatch(
      /storage envelope went from active to inactive/,
    );
  });

  it('the snapshot format going from v2 to v1', () => {
    const input = correctRun();
    const samples = [...input.samples, sample(500, 'n2', { status: { appliedIndex: 40, snapshotFormat: 'v1' } })];
    expect(violations(checkEncryption({ ...input, samples }))).toEqual(['I8']);
  });

  it('an inspected snapshot after the raft cutover with a v1 header (B42)', () => {
    const input = withRecords(correctRun(), 'n3', (records) =>
      replaceRecord(records, (record) => record.kind === 'snapshot', {
        kind: 'snapshot',
        present: true,
        index: 30,
        header: { format: 'v1', cutoverIndex: 0 },
      }),
    );
    expect(violations(checkEncryption(input))).toEqual(['I8']);
  });
});

describe('encryption: I10 idempotent Enable', () => {
  function withRetry(value: { appliedIndex: number; wasAlreadyActive: boolean }): EncryptionInput {
    const { builder } = rolloutHistory();
    builder.step('enable-raft-envelope', { value });
    return { ...correctRun(), history: builder.ops };
  }

  it('a retry answering wasAlreadyActive with the original index passes', () => {
    expect(checkEncryption(withRetry({ appliedIndex: raftCutover, wasAlreadyActive: true })).valid).toBe(true);
  });

  it('a retry answering another index', () => {
    const result = checkEncryption(withRetry({ appliedIndex: 33, wasAlreadyActive: true }));
    expect(violations(result)).toEqual(['I10']);
    expect(result.findings[0]?.message).toMatch(/answered index 33, not the original cutover index 20/);
  });

  it("a retry refused as already existing (B45), the node's message carried in the failed op's value", () => {
    const { builder } = rolloutHistory();
    builder.add({ process: 'rollout', type: 'invoke', f: 'enable-raft-envelope', value: { step: 's9', attempt: 1 } });
    const refused = builder.add({
      process: 'rollout',
      type: 'fail',
      f: 'enable-raft-envelope',
      value: { step: 's9', attempt: 1, message: 'AlreadyExists: the raft envelope is already active' },
      error: 'EncryptionFailedPrecondition',
    });
    const result = checkEncryption({ ...correctRun(), history: builder.ops });
    expect(violations(result)).toEqual(['I10']);
    expect(result.findings[0]).toMatchObject({ opIndex: refused.index });
    // The same refusal for another reason is not I10.
    const other = builder.ops.map((op) =>
      op === refused ? { ...op, value: { step: 's9', attempt: 1, message: 'not every member is capable' } } : op,
    );
    expect(checkEncryption({ ...correctRun(), history: other }).valid).toBe(true);
  });

  it('a second fresh success (B46)', () => {
    expect(violations(checkEncryption(withRetry({ appliedIndex: raftCutover, wasAlreadyActive: false })))).toEqual([
      'I10',
    ]);
  });
});

describe('encryption: rotations take effect', () => {
  it('E14: a write after a raft-DEK rotation wrapped under the old key', () => {
    const input = withRecords(correctRun(), 'n2', (records) =>
      replaceRecord(records, isEntry(27), raftEntry(27, { wrapped: true, envelope: envelope(2, 50) })),
    );
    const result = checkEncryption(input);
    expect(violations(result)).toEqual(['E14']);
    expect(result.findings[0]).toMatchObject({ nodes: ['n2'], opIndex: rolloutHistory().ops.write27 });
  });

  it('a rotation confirmed from the sidecar after a lost answer (no applied index) is still followed, not undecided', () => {
    const input = correctRun();
    const confirmed = (op: (typeof input.history)[number]) => op.type === 'ok' && op.f === 'rotate-dek';
    const history = input.history.map((op) => {
      if (!confirmed(op)) return op;
      const { appliedIndex: _lost, ...rest } = op.value as { appliedIndex: number; purpose: string; newDekId: number };
      const { logIndex: _index, ...withoutIndex } = op;
      return { ...withoutIndex, value: { ...rest, confirmedBy: 'sidecar' } };
    });
    expect(checkEncryption({ ...input, history }).valid).toBe(true);
    const stale = withRecords({ ...input, history }, 'n2', (records) =>
      replaceRecord(records, isEntry(27), raftEntry(27, { wrapped: true, envelope: envelope(2, 50) })),
    );
    expect(violations(checkEncryption(stale))).toEqual(['E14']);
    // Without confirmedBy, a missing applied index is still unreadable: undecided.
    const unreadable = input.history.map((op) =>
      confirmed(op) ? { ...op, value: { purpose: 'raft', newDekId: 3 } } : op,
    );
    expect(checkEncryption({ ...input, history: unreadable }).valid).toBe('unknown');
  });

  it('E23: a canary written after a storage-DEK rotation encrypted under the old key', () => {
    const input = withRecords(correctRun(), 'n1', (records) =>
      replaceRecord(records, isMvcc('canary-3'), mvcc('canary-3', { envelope: envelope(1, 7777) })),
    );
    const result = checkEncryption(input);
    expect(violations(result)).toEqual(['E23']);
    expect(result.findings[0]).toMatchObject({ nodes: ['n1'], opIndex: rolloutHistory().ops.storageRotation });
  });

  it('E23 owes records only for canaries acknowledged after the rotation: every such write failed, none is in the store', () => {
    const withoutCanary3 = (input: EncryptionInput): EncryptionInput => ({
      ...input,
      inspections: input.inspections.map(({ node, records }) => ({
        node,
        records: records.filter((record) => !isMvcc('canary-3')(record)),
      })),
    });
    const acknowledged = withoutCanary3(correctRun());
    expect(acknowledged.history.some((op) => op.type === 'ok' && op.key === 'canary-3')).toBe(true);
    const gap = checkEncryption(acknowledged);
    expect(gap.valid).toBe('unknown');
    expect(gap.reason).toMatch(/No encrypted record of the 1 canary keys acknowledged after a storage-DEK rotation/);
    const failed = withoutCanary3({
      ...correctRun(),
      history: correctRun().history.map((op) =>
        op.key === 'canary-3' && op.type === 'ok' ? { ...op, type: 'fail' as const } : op,
      ),
    });
    const result = checkEncryption(failed);
    expect(result.findings).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('encryption: what it cannot judge is unknown, never valid', () => {
  it('no inspections', () => {
    const result = checkEncryption({ ...correctRun(), inspections: [], files: [] });
    expect(result.valid).toBe('unknown');
    expect(result.reason).toMatch(/No node inspections/);
  });

  it('a sampled node without an inspection, an inspection without its summary, a node without raw files', () => {
    const input = correctRun();
    const cut = {
      ...input,
      inspections: [input.inspections[0]!, { node: 'n2', records: input.inspections[1]!.records.slice(0, -1) }],
      files: input.files.filter((file) => file.node !== 'n2'),
    };
    const result = checkEncryption(cut);
    expect(result.valid).toBe('unknown');
    expect(result.findings.map((finding) => finding.message)).toEqual([
      expect.stringMatching(/No inspection of n3/),
      expect.stringMatching(/inspection of n2 has no summary/),
      expect.stringMatching(/No raw files of n2/),
    ]);
  });

  it('a violation outweighs a gap', () => {
    const input = withRecords(correctRun(), 'n1', (records) => replaceRecord(records, isEntry(22), raftEntry(22)));
    const result = checkEncryption({ ...input, samples: [] });
    expect(result.valid).toBe(false);
    expect(result.findings.some((finding) => finding.undecided === true)).toBe(true);
  });
});

describe('encryption: the sidecar file itself', () => {
  it('keys.json readable by group or others (B47) is a finding naming the node, the path and the mode', () => {
    const input = correctRun();
    const files = input.files.map((file) =>
      file.node === 'n2' && file.path.endsWith('keys.json') ? { ...file, mode: 0o644 } : file,
    );
    const result = checkEncryption({ ...input, files });
    expect(violations(result)).toEqual(['sidecar-mode']);
    const bootstrap = input.history.find((op) => op.f === 'bootstrap' && op.type === 'ok');
    expect(result.findings[0]).toMatchObject({
      nodes: ['n2'],
      path: 'nodes/n2/keys.json',
      details: { mode: '0644' },
      opIndex: bootstrap?.index,
    });
  });

  it('a data file with the usual mode, or a sidecar whose mode the collector could not read, is no finding', () => {
    const input = correctRun();
    const files = input.files.map((file) =>
      file.path.endsWith('keys.json') ? { node: file.node, path: file.path, bytes: file.bytes } : file,
    );
    expect(checkEncryption({ ...input, files }).valid).toBe(true);
  });

  it('a raft DEK epoch above 0 in a sidecar without a raft cutover (E16: bumped at every start) is an I2 finding', () => {
    const phase1Sidecar = (epoch: number): InspectView => ({
      ...(sidecarRecord({ storageCutover: 10 }) as Extract<InspectView, { kind: 'sidecar'; version: number }>),
      keys: [
        { id: 1, purpose: 'storage', localEpoch: 3 },
        { id: 2, purpose: 'raft', localEpoch: epoch },
      ],
    });
    const isSidecar = (record: InspectView): boolean => record.kind === 'sidecar';
    const unbumped = checkRaftEpochBeforeCutover([{ node: 'n1', records: [phase1Sidecar(0)] }], []);
    expect(unbumped).toEqual([]);
    const bumped = checkRaftEpochBeforeCutover([{ node: 'n3', records: [phase1Sidecar(2)] }], correctRun().history);
    expect(bumped).toEqual([
      expect.objectContaining({ invariant: 'I2', nodes: ['n3'], details: { dekId: 2, localEpoch: 2 } }),
    ]);
    // After the raft cutover the same epoch is what every start must do.
    const afterCutover = withRecords(correctRun(), 'n1', (records) =>
      replaceRecord(records, isSidecar, { ...phase1Sidecar(2), raftEnvelopeCutoverIndex: 20 } as InspectView),
    );
    expect(checkRaftEpochBeforeCutover(afterCutover.inspections, afterCutover.history)).toEqual([]);
  });
});

describe('encryption: requests the node must refuse', () => {
  const mustBeRefused = {
    errors: ['InvalidArgument'],
    invariant: 'I2',
    why: 'a local_epoch above 0xFFFF does not fit the nonce (ErrLocalEpochOutOfRange)',
  };
  const withCrafted = (completion: 'ok' | 'fail'): EncryptionInput => {
    const input = correctRun();
    const next = input.history.length;
    const time = (input.history.at(-1)?.time ?? 0) + 1;
    const invoke: HistoryOp = {
      process: 'rollout' as const,
      type: 'invoke' as const,
      f: 'register-writer',
      value: { step: 's99', attempt: 1, node: 'n2', localEpoch: 65_536, mustBeRefused },
      index: next,
      time,
    };
    const done: HistoryOp =
      completion === 'ok'
        ? {
            process: 'rollout' as const,
            type: 'ok' as const,
            f: 'register-writer',
            value: { step: 's99', attempt: 1, appliedIndex: 40, dekId: 1, writer: 'n2', localEpoch: 65_536 },
            node: 'n1',
            index: next + 1,
            time: time + 1,
          }
        : {
            process: 'rollout' as const,
            type: 'fail' as const,
            f: 'register-writer',
            value: { step: 's99', attempt: 1 },
            error: 'InvalidArgument',
            index: next + 1,
            time: time + 1,
          };
    return { ...input, history: [...input.history, invoke, done] };
  };

  it('an accepted one (E21: the epoch narrowed instead of refused) is a finding under the invariant the step names', () => {
    const result = checkEncryption(withCrafted('ok'));
    expect(violations(result)).toEqual(['I2']);
    expect(result.findings[0]).toMatchObject({
      opIndex: withCrafted('ok').history.length - 1,
      nodes: ['n1'],
      message: expect.stringMatching(/must refuse with InvalidArgument: a local_epoch above 0xFFFF/),
    });
  });

  it('a refused one is no finding', () => {
    expect(checkEncryption(withCrafted('fail')).valid).toBe(true);
  });
});
