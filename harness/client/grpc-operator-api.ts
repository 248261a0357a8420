/**
 * The OperatorApi over the node's public gRPC contract (reference-node/proto):
 * RaftAdmin and EncryptionAdmin clients per address (one channel each,
 * reused), DEKs drawn and wrapped under the run's KEK file with the node's
 * own operator key tools — no key material ever crosses the harness's own
 * code. uint64 fields of EncryptionAdmin are decimal strings on the wire;
 * indexes are converted to numbers here (they stay far below 2^53).
 */
import {
  classifyError,
  createAdminClient,
  createEncryptionAdminClient,
  generateWrappedDek,
  loadKekFile,
} from '../../reference-node/proto/index.js';
import type { AdminClient, EncryptionAdminClient, Kek, StatusResponse } from '../../reference-node/proto/index.js';
import type { SidecarView } from '../../checkers/artifacts/index.js';
import type { CallFailure } from './kv-connection.js';
import type { NodeStatus, OperatorApi } from './operator-api.js';

function statusOf(status: StatusResponse): NodeStatus {
  return {
    id: status.id,
    fullNodeId: status.fullNodeId,
    role: status.role,
    term: Number(status.term),
    leader: status.leader,
    leaderAddress: status.leaderAddress,
    commitIndex: Number(status.commitIndex),
    appliedIndex: Number(status.appliedIndex),
    lastIndex: Number(status.lastIndex),
    snapshotIndex: Number(status.snapshotIndex),
    halted: status.halted,
    haltCode: status.haltCode,
    haltError: status.haltError,
    haltIndex: Number(status.haltIndex),
    haltReason: status.haltReason,
    stage: status.stage,
    bugs: [...(status.bugs ?? [])],
    snapshotFormat: status.snapshotFormat,
    uptimeMs: Number(status.uptimeMs),
    members: (status.members ?? []).map((m) => ({
      id: m.id,
      suffrage: m.suffrage === 'learner' ? 'learner' : 'voter',
      address: m.address,
    })),
    version: status.version,
  };
}

function classify(error: unknown): CallFailure {
  const classification = classifyError(error);
  return { definite: classification.definite, name: classification.spec.name, message: classification.message };
}

/** The OperatorApi of a cluster whose KEK is `kekFile` (null: no encrypted cluster; the key-generating calls then refuse). */
export function createGrpcOperatorApi(kekFile: string | null): OperatorApi {
  const admins = new Map<string, AdminClient>();
  const encryption = new Map<string, EncryptionAdminClient>();
  let kek: Promise<Kek> | null = null;
  const admin = (address: string): AdminClient => {
    let client = admins.get(address);
    if (client === undefined) admins.set(address, (client = createAdminClient(address)));
    return client;
  };
  const enc = (address: string): EncryptionAdminClient => {
    let client = encryption.get(address);
    if (client === undefined) encryption.set(address, (client = createEncryptionAdminClient(address)));
    return client;
  };
  const wrappedDek = async (): Promise<Buffer> => {
    if (kekFile === null) throw new Error('this run has no KEK file (the cluster is not encrypted)');
    kek ??= loadKekFile(kekFile);
    return Buffer.from(generateWrappedDek(await kek).wrapped);
  };
  return {
    async status(address, timeoutMs) {
      return statusOf(await admin(address).status({}, { timeoutMs }));
    },
    async sidecar(address, timeoutMs): Promise<SidecarView | null> {
      const state = await enc(address).getSidecarState({}, { timeoutMs });
      return {
        appliedIndex: Number(state.latestAppliedIndex),
        keyIds: Object.keys(state.wrappedDeksById ?? {})
          .map(Number)
          .sort((a, b) => a - b),
        activeStorageId: state.activeStorageId,
        activeRaftId: state.activeRaftId,
        storageEnvelopeActive: state.storageEnvelopeActive,
        storageEnvelopeCutoverIndex: Number(state.storageEnvelopeCutoverIndex),
        raftEnvelopeCutoverIndex: Number(state.raftEnvelopeCutoverIndex),
        sidecarVersion: state.sidecarVersion,
        localEpochs: { ...(state.localEpochs ?? {}) },
      };
    },
    async capability(address, timeoutMs) {
      const capability = await enc(address).getCapability({}, { timeoutMs });
      return {
        capable: capability.encryptionCapable && capability.fullNodeId !== '0',
        fullNodeId: capability.fullNodeId,
        localEpoch: capability.localEpoch,
      };
    },
    async registryRows(leaderAddress, fullNodeId, timeoutMs) {
      const answer = await enc(leaderAddress).resyncSidecar({ callerFullNodeId: fullNodeId }, { timeoutMs });
      return { ...(answer.writerRegistryForCaller ?? {}) };
    },
    async bootstrap(address, request, timeoutMs) {
      const answer = await enc(address).bootstrapEncryption(
        {
          wrappedStorageDek: await wrappedDek(),
          wrappedRaftDek: await wrappedDek(),
          storageDekId: request.storageDekId,
          raftDekId: request.raftDekId,
          writerBatch: request.writers,
        },
        { timeoutMs },
      );
      return { appliedIndex: Number(answer.appliedIndex) };
    },
    async enable(address, purpose, proposer, timeoutMs) {
      const request = { proposerNodeId: proposer.fullNodeId, proposerLocalEpoch: proposer.localEpoch };
      const answer =
        purpose === 'storage'
          ? await enc(address).enableStorageEnvelope(request, { timeoutMs })
          : await enc(address).enableRaftEnvelope(request, { timeoutMs });
      return { appliedIndex: Number(answer.appliedIndex), wasAlreadyActive: answer.wasAlreadyActive };
    },
    async rotateDek(address, request, timeoutMs) {
      const answer = await enc(address).rotateDek(
        {
          purpose: request.purpose === 'storage' ? 'DEK_PURPOSE_STORAGE' : 'DEK_PURPOSE_RAFT',
          wrappedNewDek: await wrappedDek(),
          newDekId: request.newDekId,
          proposerNodeId: request.proposer.fullNodeId,
          proposerLocalEpoch: request.proposer.localEpoch,
        },
        { timeoutMs },
      );
      return { appliedIndex: Number(answer.appliedIndex) };
    },
    async registerWriter(address, request, timeoutMs) {
      const answer = await enc(address).registerEncryptionWriter(
        { dekId: request.dekId, writers: request.writers },
        { timeoutMs },
      );
      return { appliedIndex: Number(answer.appliedIndex) };
    },
    async addLearner(address, node, timeoutMs) {
      const answer = await admin(address).addLearner(
        { id: node.id, address: node.address, noForward: false },
        { timeoutMs },
      );
      return { appliedIndex: Number(answer.appliedIndex) };
    },
    async promote(address, id, timeoutMs) {
      return {
        appliedIndex: Number((await admin(address).promote({ id, noForward: false }, { timeoutMs })).appliedIndex),
      };
    },
    async remove(address, id, timeoutMs) {
      return {
        appliedIndex: Number((await admin(address).removeServer({ id, noForward: false }, { timeoutMs })).appliedIndex),
      };
    },
    async transferLeadership(address, id, timeoutMs) {
      const answer = await admin(address).transferLeadership({ id, noForward: false }, { timeoutMs });
      return { leader: answer.leader, term: Number(answer.term) };
    },
    classify,
    close() {
      for (const client of [...admins.values(), ...encryption.values()]) client.close();
      admins.clear();
      encryption.clear();
    },
  };
}
