// Property tests of the encryption checker (fast-check prints the seed and
// the shrunk case on failure): nonce uniqueness over random inspect records,
// one-way state over random sample sequences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InspectView, NodeInspection, SidecarView, StatusSample } from '../artifacts/index.js';
import { envelope, mvcc, raftEntry, sample } from '../artifacts/test/builders.js';
import { checkEncryption } from './index.js';

const nodeNames = ['n1', 'n2', 'n3'];

/** Distinct (key id, nonce) pairs, each placed as a raft entry or an MVCC record, some also copied verbatim to other nodes. */
const envelopePlacements = fc.uniqueArray(
  fc.record({
    keyId: fc.integer({ min: 1, max: 4 }),
    nonce: fc.integer({ min: 1, max: 500 }),
    kind: fc.constantFrom('raft', 'store', 'snapshot'),
    node: fc.constantFrom(...nodeNames),
    copies: fc.subarray(nodeNames),
  }),
  { selector: (placement) => `${placement.keyId}/${placement.nonce}`, minLength: 1, maxLength: 60 },
);

type Placement = { keyId: number; nonce: number; kind: string; node: string; copies: string[] };

function recordOf(
  placement: Placement,
  position: number,
  options: { ciphertext?: string; aad?: string } = {},
): InspectView {
  const sealed = envelope(placement.keyId, placement.nonce, options);
  if (placement.kind === 'raft') return raftEntry(100 + position, { wrapped: true, envelope: sealed });
  return mvcc(`k${position}`, { envelope: sealed, source: placement.kind === 'snapshot' ? 'snapshot' : 'store' });
}

function inspectionsOf(
  placements: readonly Placement[],
  extra: readonly { node: string; record: InspectView }[] = [],
): NodeInspection[] {
  return nodeNames.map((node) => ({
    node,
    records: [
      ...placements.flatMap((placement, position) =>
        placement.node === node || placement.copies.includes(node) ? [recordOf(placement, position)] : [],
      ),
      ...extra.filter((item) => item.node === node).map((item) => item.record),
    ],
  }));
}

function nonceFindings(inspections: NodeInspection[]): string[] {
  return checkEncryption({ history: [], samples: [], inspections, files: [] })
    .findings.filter((finding) => finding.invariant === 'I2')
    .map((finding) => finding.message);
}

describe('I2 nonce uniqueness (property)', () => {
  it('distinct (key id, nonce) pairs, and verbatim copies of them on other nodes, are never reuse', () => {
    fc.assert(
      fc.property(envelopePlacements, (placements) => {
        expect(nonceFindings(inspectionsOf(placements))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('any pair seen again with another ciphertext or AAD is reported, once', () => {
    fc.assert(
      fc.property(
        envelopePlacements,
        fc.nat(),
        fc.constantFrom(...nodeNames),
        fc.constantFrom('ciphertext', 'aad'),
        (placements, pick, node, changed) => {
          const reused = placements[pick % placements.length]!;
          const record = recordOf(
            { ...reused, kind: 'store' },
            9999,
            changed === 'ciphertext' ? { ciphertext: 'another ciphertext' } : { aad: 'another aad' },
          );
          const messages = nonceFindings(inspectionsOf(placements, [{ node, record }]));
          expect(messages).toHaveLength(1);
          expect(messages[0]).toContain(`under key ${reused.keyId}`);
          expect(messages[0]).toContain(changed === 'ciphertext' ? 'different ciphertext' : 'different AAD');
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** A node's life: when each one-way quantity moves forward, plus restarts and unanswered samples in between. */
const nodeLife = fc.record({
  length: fc.integer({ min: 2, max: 30 }),
  storageAt: fc.nat({ max: 30 }),
  raftAt: fc.nat({ max: 30 }),
  storageCutover: fc.integer({ min: 1, max: 1000 }),
  raftCutover: fc.integer({ min: 1, max: 1000 }),
  versionBumps: fc.uniqueArray(fc.nat({ max: 30 }), { maxLength: 3 }),
  v1At: fc.nat({ max: 30 }),
  v2At: fc.nat({ max: 30 }),
  restarts: fc.uniqueArray(fc.nat({ max: 30 }), { maxLength: 4 }),
  silent: fc.uniqueArray(fc.nat({ max: 30 }), { maxLength: 4 }),
});

type Life = typeof nodeLife extends fc.Arbitrary<infer T> ? T : never;

function sidecarAt(life: Life, k: number): Partial<SidecarView> {
  return {
    appliedIndex: 10 + k,
    storageEnvelopeActive: k >= life.storageAt,
    storageEnvelopeCutoverIndex: k >= life.storageAt ? life.storageCutover : 0,
    raftEnvelopeCutoverIndex: k >= life.raftAt ? life.raftCutover : 0,
    sidecarVersion: 1 + life.versionBumps.filter((bump) => bump <= k).length,
  };
}

function snapshotAt(life: Life, k: number): '' | 'v1' | 'v2' {
  if (k >= life.v2At) return 'v2';
  return k >= life.v1At ? 'v1' : '';
}

function samplesOf(life: Life, node: string): StatusSample[] {
  const samples: StatusSample[] = [];
  for (let k = 0; k < life.length; k += 1) {
    if (life.restarts.includes(k)) samples.push(sample(k * 100, node, { process: 'down' }));
    if (life.silent.includes(k)) samples.push(sample(k * 100 + 50, node, { status: null, sidecar: null }));
    samples.push(
      sample(k * 100 + 60, node, {
        status: { appliedIndex: 10 + k, snapshotFormat: snapshotAt(life, k) },
        sidecar: sidecarAt(life, k),
      }),
    );
  }
  return samples;
}

function oneWayFindings(samples: StatusSample[]): string[] {
  return checkEncryption({ history: [], samples, inspections: [], files: [] })
    .findings.filter((finding) => finding.invariant === 'I8')
    .map((finding) => finding.message);
}

/** The regressions a sample can show, given the state before it. */
const regressions: Record<
  string,
  { applies: (last: StatusSample) => boolean; apply: (last: StatusSample) => StatusSample }
> = {
  storageEnvelopeActive: {
    applies: (last) => last.sidecar?.storageEnvelopeActive === true,
    apply: (last) => ({ ...last, sidecar: { ...last.sidecar!, storageEnvelopeActive: false } }),
  },
  raftEnvelopeCutoverIndex: {
    applies: (last) => (last.sidecar?.raftEnvelopeCutoverIndex ?? 0) !== 0,
    apply: (last) => ({ ...last, sidecar: { ...last.sidecar!, raftEnvelopeCutoverIndex: 0 } }),
  },
  storageEnvelopeCutoverIndex: {
    applies: (last) => (last.sidecar?.storageEnvelopeCutoverIndex ?? 0) !== 0,
    apply: (last) => ({
      ...last,
      sidecar: { ...last.sidecar!, storageEnvelopeCutoverIndex: last.sidecar!.storageEnvelopeCutoverIndex + 1 },
    }),
  },
  sidecarVersion: {
    applies: () => true,
    apply: (last) => ({ ...last, sidecar: { ...last.sidecar!, sidecarVersion: last.sidecar!.sidecarVersion - 1 } }),
  },
  snapshotFormat: {
    applies: (last) => last.status?.snapshotFormat === 'v2',
    apply: (last) => ({ ...last, status: { ...last.status!, snapshotFormat: 'v1' } }),
  },
};

describe('I8 one-way state (property)', () => {
  it('quantities that only move forward, across restarts and unanswered samples, never regress', () => {
    fc.assert(
      fc.property(fc.array(nodeLife, { minLength: 1, maxLength: 3 }), (lives) => {
        const samples = lives.flatMap((life, i) => samplesOf(life, nodeNames[i]!));
        expect(oneWayFindings(samples)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('one sample that moves a quantity back, after a restart, is reported on that node', () => {
    fc.assert(
      fc.property(nodeLife, fc.constantFrom(...Object.keys(regressions)), (life, name) => {
        const samples = samplesOf(life, 'n1');
        const last = samples.at(-1)!;
        const regression = regressions[name]!;
        fc.pre(regression.applies(last));
        const back = regression.apply({ ...last, time: last.time + 1000 });
        const messages = oneWayFindings([
          ...samples,
          sample(last.time / 1_000_000 + 500, 'n1', { process: 'down' }),
          back,
        ]);
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(/^On n1 /);
      }),
      { numRuns: 300 },
    );
  });
});
