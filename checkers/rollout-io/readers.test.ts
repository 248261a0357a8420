import { describe, expect, it } from 'vitest';
import { envelope, marker, mvcc, sample, sidecarRecord, summaryRecord } from '../artifacts/test/builders.js';
import { ArtifactParseError, readInspectJsonl, readStatusJsonl } from './index.js';

function parseError(run: () => unknown): ArtifactParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof ArtifactParseError) return error;
    throw error;
  }
  throw new Error('expected an ArtifactParseError');
}

const lines = (...values: unknown[]): string =>
  values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join('\n');

describe('readStatusJsonl', () => {
  const samples = [
    sample(0, 'n1', { status: { appliedIndex: 3 }, sidecar: { appliedIndex: 3 } }),
    sample(0, 'n2', { process: 'down' }),
    { ...sample(250, 'n2', { status: null }), error: 'unreachable' },
  ];

  it('reads valid samples, skipping blank lines', () => {
    const { samples: read, warnings } = readStatusJsonl(
      `${lines(samples[0], '', samples[1], samples[2])}\n`,
      'status.jsonl',
    );
    expect(read).toEqual(samples);
    expect(warnings).toEqual([]);
  });

  it('drops a torn last line with a warning', () => {
    const text = `${lines(...samples)}\n{"time": 500, "node": "n1", "proc`;
    const { samples: read, warnings } = readStatusJsonl(text, 'status.jsonl');
    expect(read).toHaveLength(3);
    expect(warnings).toEqual(['status.jsonl:4: ignored a torn last line (the writer stopped mid-line)']);
  });

  it.each([
    [
      'a line that is not JSON, before the last',
      `${lines(samples[0])}\n{"time": 1,\n${lines(samples[1])}\n`,
      2,
      'syntax',
      /invalid JSON/,
    ],
    [
      'a negative applied index',
      lines({ ...samples[0], status: { ...samples[0]!.status, appliedIndex: -1 } }),
      1,
      'invalid-record',
      /status\.appliedIndex: .*>=0/,
    ],
    [
      'an unknown process state',
      lines(samples[0], { ...samples[1], process: 'zombie' }),
      2,
      'invalid-record',
      /process: Invalid option/,
    ],
    [
      'a Status without haltIndex',
      lines({ ...samples[0], status: { ...samples[0]!.status, haltIndex: undefined } }),
      1,
      'invalid-record',
      /status\.haltIndex/,
    ],
    [
      'an unknown snapshot format',
      lines({ ...samples[0], status: { ...samples[0]!.status, snapshotFormat: 'v3' } }),
      1,
      'invalid-record',
      /status\.snapshotFormat/,
    ],
    [
      'a local epoch keyed by a non-number',
      lines({ ...samples[0], sidecar: { ...samples[0]!.sidecar, localEpochs: { x: 1 } } }),
      1,
      'invalid-record',
      /sidecar\.localEpochs/,
    ],
    [
      "a node's sample going back in time",
      lines(samples[2], { ...samples[1], time: 1 }),
      2,
      'invalid-record',
      /time 1 goes back from 250000000 for node n2/,
    ],
    ['a JSON value that is not an object', lines(samples[0], '[1, 2]'), 2, 'invalid-record', /expected object/],
  ])('reports %s at file:line', (_name, text, line, code, reason) => {
    const error = parseError(() => readStatusJsonl(text, 'run/status.jsonl'));
    expect(error).toMatchObject({ file: 'run/status.jsonl', line, code });
    expect(error.message).toMatch(new RegExp(`^run/status\\.jsonl:${line}: `));
    expect(error.message).toMatch(reason);
  });
});

describe('readInspectJsonl', () => {
  const records = [
    { ...sidecarRecord({ storageCutover: 10, raftCutover: 20 }), path: '/x/keys.json' },
    { kind: 'hard-state', present: true, term: 3, vote: 'n1', commit: 40 },
    { kind: 'fsm', appliedIndex: 40, maxCommitTs: '99' },
    {
      kind: 'snapshot',
      present: true,
      index: 30,
      term: 2,
      voters: [],
      learners: [],
      header: { format: 'v2', ceilingMs: 5, cutoverIndex: 20 },
      dataBytes: 10,
      appliedIndex: 30,
      mvccRows: 1,
      rawRows: 0,
    },
    { ...marker(20), dataBytes: 17 },
    mvcc('canary-1', { envelope: envelope(1, 5) }),
    { kind: 'raw', source: 'store', keyHex: '00', valueBytes: 3 },
    summaryRecord(),
  ];

  it('reads every kind, keeping the fields of the view and dropping the others', () => {
    const { inspection, warnings } = readInspectJsonl(`${lines(...records)}\n`, 'nodes/n1/inspect.jsonl', 'n1');
    expect(warnings).toEqual([]);
    expect(inspection.node).toBe('n1');
    expect(inspection.records.map((record) => record.kind)).toEqual([
      'sidecar',
      'hard-state',
      'fsm',
      'snapshot',
      'raft-entry',
      'mvcc',
      'raw',
      'summary',
    ]);
    expect(inspection.records[0]).not.toHaveProperty('path');
    expect(inspection.records[1]).toEqual({ kind: 'hard-state' });
    expect(inspection.records[5]).toEqual(records[5]);
  });

  it('reads the absent and unreadable sidecar shapes', () => {
    const { inspection } = readInspectJsonl(
      lines(
        { kind: 'sidecar', present: false, searched: ['/a'] },
        { kind: 'sidecar', present: true, path: '/b', error: 'bad JSON' },
      ),
      'i.jsonl',
      'n2',
    );
    expect(inspection.records).toEqual([
      { kind: 'sidecar', present: false },
      { kind: 'sidecar', present: true, error: 'bad JSON' },
    ]);
  });

  it('drops a torn last line with a warning (the inspection then has no summary)', () => {
    const { inspection, warnings } = readInspectJsonl(
      `${lines(...records.slice(0, 3))}\n{"kind":"mvcc","sou`,
      'i.jsonl',
      'n1',
    );
    expect(inspection.records).toHaveLength(3);
    expect(warnings).toEqual(['i.jsonl:4: ignored a torn last line (the writer stopped mid-line)']);
  });

  it.each([
    [
      'an unknown kind',
      lines(records[0], { kind: 'wal-segment' }),
      2,
      /kind: Invalid option: expected one of "sidecar"\|"fsm"/,
    ],
    [
      'a nonce that is not 12 bytes of hex',
      lines(mvcc('k', { envelope: { ...envelope(1, 1), nonceHex: 'xyz' } })),
      1,
      /envelope\.nonceHex: 24 lowercase hex digits/,
    ],
    [
      'an envelope without its ciphertext digest',
      lines(mvcc('k', { envelope: { ...envelope(1, 1), ciphertextSha256: undefined } as never })),
      1,
      /envelope\.ciphertextSha256/,
    ],
    [
      'a present sidecar without its cutover indexes',
      lines({ kind: 'sidecar', present: true, version: 2 }),
      1,
      /raftAppliedIndex/,
    ],
    [
      'a raft entry with a fractional index',
      lines({ ...marker(20), index: 20.5 }),
      1,
      /index: Invalid input: expected int/,
    ],
    [
      'a line after the summary',
      lines(summaryRecord(), { kind: 'fsm', appliedIndex: 1 }),
      2,
      /a fsm line after the summary/,
    ],
    ['a line that is not JSON', `${lines(records[0])}\nnot json\n`, 2, /invalid JSON/],
  ])('reports %s at file:line', (_name, text, line, reason) => {
    const error = parseError(() => readInspectJsonl(text, 'nodes/n1/inspect.jsonl', 'n1'));
    expect(error).toMatchObject({ file: 'nodes/n1/inspect.jsonl', line });
    expect(error.message).toMatch(reason);
  });
});
