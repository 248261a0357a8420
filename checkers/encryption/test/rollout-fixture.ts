// A small, correct full rollout as the encryption checker sees it: history
// (bootstrap, Phase 1, Phase 2, raft and storage rotations, canaries before
// and after each cutover), three nodes' inspections, raw files and samples.
// Tests change one thing and expect the invariant it breaks.
import type { InspectView, NodeInspection, RawFile, StatusSample } from '../../artifacts/index.js';
import {
  HistoryBuilder,
  canaryValue,
  envelope,
  marker,
  mvcc,
  raftEntry,
  sample,
  sidecarRecord,
  summaryRecord,
} from '../../artifacts/test/builders.js';
import type { EncryptionInput } from '../index.js';

export const nodes = ['n1', 'n2', 'n3'] as const;
export const storageCutover = 10;
export const raftCutover = 20;
/** Canary 0 before Phase 1, 1 in Phase 1, 2 in Phase 2, 3 after the storage rotation. */
export const canaries = [0, 1, 2, 3].map((n) => ({ key: `canary-${n}`, value: canaryValue(n + 1) }));

/** The history, with the op indexes tests refer to. */
export function rolloutHistory(): { builder: HistoryBuilder; ops: Record<string, number> } {
  const h = new HistoryBuilder();
  const ops: Record<string, number> = {};
  h.step('bootstrap', { value: { appliedIndex: 5, storageDekId: 1, raftDekId: 2, writers: 3 }, logIndex: 5 });
  ops.canary0 = h.write(0, canaries[0]!.key, canaries[0]!.value, { logIndex: 8 }).completion!.index;
  ops.storageOk = h.step('enable-storage-envelope', {
    value: { appliedIndex: storageCutover, wasAlreadyActive: false },
    logIndex: storageCutover,
  }).completion!.index;
  ops.canary1 = h.write(1, canaries[1]!.key, canaries[1]!.value, { logIndex: 12 }).completion!.index;
  ops.raftOk = h.step('enable-raft-envelope', {
    value: { appliedIndex: raftCutover, wasAlreadyActive: false },
    logIndex: raftCutover,
  }).completion!.index;
  ops.canary2 = h.write(2, canaries[2]!.key, canaries[2]!.value, { logIndex: 22 }).completion!.index;
  ops.raftRotation = h.step('rotate-dek', {
    params: { step: 'rotate-dek', purpose: 'raft' },
    value: { appliedIndex: 25, purpose: 'raft', newDekId: 3 },
    logIndex: 25,
  }).completion!.index;
  ops.write27 = h.write(3, 'x', 7, { logIndex: 27 }).completion!.index;
  ops.storageRotation = h.step('rotate-dek', {
    params: { step: 'rotate-dek', purpose: 'storage' },
    value: { appliedIndex: 30, purpose: 'storage', newDekId: 4 },
    logIndex: 30,
  }).completion!.index;
  ops.canary3 = h.write(4, canaries[3]!.key, canaries[3]!.value, { logIndex: 32 }).completion!.index;
  return { builder: h, ops };
}

/** The log every node holds (raft envelopes are replicated verbatim: same nonces everywhere). */
function raftLog(): InspectView[] {
  return [
    raftEntry(5, { opcode: 4, opcodeName: 'bootstrap' }),
    raftEntry(8),
    raftEntry(storageCutover, { opcode: 5, opcodeName: 'rotation', subtag: 'enable-storage-envelope' }),
    raftEntry(12),
    marker(raftCutover),
    raftEntry(21, { proposalId: null, opcode: null, opcodeName: null }),
    raftEntry(22, { wrapped: true, envelope: envelope(2, 1, { node16: 1 }) }),
    // The rotation entry itself is proposed before it applies: still under the old raft key.
    raftEntry(25, { wrapped: true, envelope: envelope(2, 2, { node16: 1 }) }),
    raftEntry(27, { wrapped: true, envelope: envelope(3, 1, { node16: 1 }) }),
    raftEntry(30, { wrapped: true, envelope: envelope(3, 2, { node16: 1 }) }),
    raftEntry(32, { wrapped: true, envelope: envelope(3, 3, { node16: 1 }) }),
  ];
}

/** Each node encrypts at apply with its own nonces (node16 = 1, 2, 3). */
function store(node16: number): InspectView[] {
  const nonce = (n: number): number => node16 * 1000 + n;
  return [
    mvcc(canaries[0]!.key, { value: canaries[0]!.value }),
    mvcc(canaries[1]!.key, {
      envelope: envelope(1, nonce(1), { node16, ciphertext: `c1-${node16}`, aad: `k1-${node16}` }),
    }),
    mvcc(canaries[2]!.key, {
      envelope: envelope(1, nonce(2), { node16, ciphertext: `c2-${node16}`, aad: `k2-${node16}` }),
    }),
    mvcc('x', { envelope: envelope(1, nonce(3), { node16, ciphertext: `x-${node16}`, aad: `x-${node16}` }) }),
    mvcc(canaries[3]!.key, {
      envelope: envelope(4, nonce(4), { node16, ciphertext: `c3-${node16}`, aad: `k3-${node16}` }),
    }),
  ];
}

function registry(): InspectView[] {
  return nodes.map((_, i) => ({
    kind: 'registry',
    source: 'store',
    dekId: 1,
    nodeId16: i + 1,
    fullNodeId: String(1000 + i),
    firstSeenLocalEpoch: 1,
    lastSeenLocalEpoch: 1,
  }));
}

export function inspections(): NodeInspection[] {
  return nodes.map((node, i) => ({
    node,
    records: [
      sidecarRecord({ storageCutover, raftCutover, raftAppliedIndex: 35 }),
      { kind: 'fsm', appliedIndex: 35 },
      { kind: 'snapshot', present: true, index: 30, header: { format: 'v2', cutoverIndex: raftCutover } },
      ...raftLog(),
      ...store(i + 1),
      ...registry(),
      summaryRecord(),
    ],
  }));
}

/** Raw files: the Raft log in LevelDB holds canaries 0 and 1 as cleartext (before the raft cutover: spec H6); the sidecar, 0600. */
export function rawFiles(): RawFile[] {
  return nodes.flatMap((node) => [
    {
      node,
      path: `nodes/${node}/data/000005.log`,
      bytes: new Uint8Array([
        0,
        1,
        2,
        ...Buffer.from(`key${canaries[0]!.value}\u0000${canaries[1]!.value}\u0001`),
        0xff,
        0x61,
        0x62,
      ]),
      mode: 0o644,
    },
    { node, path: `nodes/${node}/keys.json`, bytes: new Uint8Array(Buffer.from('{"version":2}')), mode: 0o600 },
  ]);
}

/** Samples: the sidecar before bootstrap, after each cutover, after both rotations. */
export function samples(): StatusSample[] {
  const rounds = [
    { ms: 100, sidecar: { appliedIndex: 6 } },
    {
      ms: 200,
      sidecar: { appliedIndex: 15, storageEnvelopeActive: true, storageEnvelopeCutoverIndex: storageCutover },
    },
    {
      ms: 300,
      sidecar: {
        appliedIndex: 26,
        storageEnvelopeActive: true,
        storageEnvelopeCutoverIndex: storageCutover,
        raftEnvelopeCutoverIndex: raftCutover,
        keyIds: [1, 2, 3],
        activeRaftId: 3,
      },
      snapshotFormat: 'v1' as const,
    },
    {
      ms: 400,
      sidecar: {
        appliedIndex: 35,
        storageEnvelopeActive: true,
        storageEnvelopeCutoverIndex: storageCutover,
        raftEnvelopeCutoverIndex: raftCutover,
        keyIds: [1, 2, 3, 4],
        activeRaftId: 3,
        activeStorageId: 4,
      },
      snapshotFormat: 'v2' as const,
    },
  ];
  return rounds.flatMap((round) =>
    nodes.map((node) =>
      sample(round.ms, node, {
        status: {
          appliedIndex: round.sidecar.appliedIndex,
          snapshotFormat: round.snapshotFormat ?? '',
          uptimeMs: round.ms,
        },
        sidecar: round.sidecar,
      }),
    ),
  );
}

/** The whole input of a correct run. */
export function correctRun(): EncryptionInput {
  return { history: rolloutHistory().builder.ops, samples: samples(), inspections: inspections(), files: rawFiles() };
}

/** Replaces one node's inspection records. */
export function withRecords(
  input: EncryptionInput,
  node: string,
  change: (records: InspectView[]) => InspectView[],
): EncryptionInput {
  return {
    ...input,
    inspections: input.inspections.map((inspection) =>
      inspection.node === node ? { node, records: change([...inspection.records]) } : inspection,
    ),
  };
}
