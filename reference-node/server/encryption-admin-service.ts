/**
 * The EncryptionAdmin gRPC service (spec §6). Reads answer on any node;
 * mutators pass the node-local gate (§6.1), the leader gate (§6.2) and the
 * semaphore (§6.3), then propose through the wrap-aware admin path.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import {
  encodeBootstrapEntry,
  encodeRegistrationEntry,
  encodeRotationEntry,
  fullNodeId,
  readRegistryRow,
  readSidecar,
  ROTATION_SUBTAG,
  emptySidecar,
  type DekPurpose,
  type SidecarKey,
  type WriterRegistration,
} from '../encryption/index.js';
import type * as M from '../proto/index.js';
import {
  AdminState,
  currentSidecar,
  invalid,
  parseDekId,
  parseEpoch,
  parseFullId,
  parseWrapped,
  refuse,
  requireLeader,
  requireMutator,
  requireNotLatched,
  requireStageFeature,
  type EncryptionAdminDeps,
} from './encryption-admin-context.js';
import { consistentSidecarReading } from './encryption-admin-sidecar-state.js';
import { enableRaftEnvelope, enableStorageEnvelope } from './encryption-cutover.js';
import { unaryHandler } from './unary-handler.js';

/** The EncryptionAdmin implementation for `server.addService`. */
export function createEncryptionAdminService(deps: EncryptionAdminDeps): UntypedServiceImplementation {
  const state = new AdminState();
  const capability = async (): Promise<M.CapabilityReport> => {
    const capable = deps.sidecarPath !== '';
    const present = capable && (await readSidecar(deps.sidecarPath)) !== null;
    // Capability is [CODE] "a sidecar path is set" at every stage; build_sha names the emulated release (rollout-stage.ts).
    return {
      encryptionCapable: capable,
      buildSha: `${deps.buildSha} (stage ${deps.stage.stage})`,
      sidecarPresent: present,
      fullNodeId: capable ? fullNodeId(deps.selfId).toString() : '0',
      localEpoch: 0,
    };
  };
  const propose = (payload: Uint8Array): Promise<{ appliedIndex: string }> =>
    state.semaphore.run(async () => {
      requireNotLatched(state);
      await requireLeader(deps);
      const applied = await deps.core.proposeAdmin(payload);
      return { appliedIndex: String(applied.index) };
    });
  return {
    GetCapability: unaryHandler(capability),
    GetSidecarState: unaryHandler(() => sidecarState(deps)),
    ResyncSidecar: unaryHandler(async (r: M.ResyncSidecarRequest): Promise<M.ResyncSidecarResponse> => {
      const caller = parseFullId(r.callerFullNodeId, 'caller_full_node_id');
      await requireLeader(deps);
      const sc = await currentSidecar(deps.sidecarPath);
      return {
        wrappedDeksById: wrappedById(sc.keys),
        activeStorageId: sc.active.storage,
        activeRaftId: sc.active.raft,
        leaderLatestAppliedIndex: String(deps.appliedIndex()),
        writerRegistryForCaller: await registryFor(deps, sc.keys.keys(), caller),
      };
    }),
    BootstrapEncryption: unaryHandler(
      async (r: M.BootstrapEncryptionRequest): Promise<M.BootstrapEncryptionResponse> => {
        requireMutator(deps);
        const storageDekId = parseDekId(r.storageDekId, 'storage_dek_id');
        const raftDekId = parseDekId(r.raftDekId, 'raft_dek_id');
        if (storageDekId === raftDekId) throw invalid('storage_dek_id and raft_dek_id must differ');
        const batch = bootstrapBatch(r.writerBatch ?? [], storageDekId, raftDekId, deps.bugs);
        return propose(
          encodeBootstrapEntry({
            storageDekId,
            wrappedStorage: parseWrapped(r.wrappedStorageDek, 'wrapped_storage_dek'),
            raftDekId,
            wrappedRaft: parseWrapped(r.wrappedRaftDek, 'wrapped_raft_dek'),
            batch,
          }),
        );
      },
    ),
    RotateDEK: unaryHandler(async (r: M.RotateDekRequest): Promise<M.RotateDekResponse> => {
      requireMutator(deps);
      const purpose = parsePurpose(r.purpose);
      const dekId = parseDekId(r.newDekId, 'new_dek_id');
      const proposer: WriterRegistration = {
        dekId,
        fullNodeId: parseFullId(r.proposerNodeId, 'proposer_node_id'),
        localEpoch: parseEpoch(r.proposerLocalEpoch, 'proposer_local_epoch', deps.bugs),
      };
      return propose(
        encodeRotationEntry({
          subtag: ROTATION_SUBTAG.rotateDek,
          dekId,
          purpose,
          wrapped: parseWrapped(r.wrappedNewDek, 'wrapped_new_dek'),
          proposer,
        }),
      );
    }),
    RegisterEncryptionWriter: unaryHandler(
      async (r: M.RegisterEncryptionWriterRequest): Promise<M.RegisterEncryptionWriterResponse> => {
        requireMutator(deps);
        const dekId = parseDekId(r.dekId, 'dek_id');
        const writers = r.writers ?? [];
        if (writers.length !== 1) throw invalid(`writers: expected exactly one writer, got ${writers.length}`);
        const writer = writers[0]!;
        return propose(
          encodeRegistrationEntry({
            dekId,
            fullNodeId: parseFullId(writer.fullNodeId, 'writers[0].full_node_id'),
            localEpoch: parseEpoch(writer.localEpoch, 'writers[0].local_epoch', deps.bugs),
          }),
        );
      },
    ),
    EnableStorageEnvelope: unaryHandler(async (r: M.EnableStorageEnvelopeRequest) => {
      requireStageFeature(deps, 'EnableStorageEnvelope', 'storageEnvelopeCutover');
      return enableStorageEnvelope(deps, state, r, capability);
    }),
    EnableRaftEnvelope: unaryHandler(async (r: M.EnableRaftEnvelopeRequest, deadlineMs: number) => {
      requireStageFeature(deps, 'EnableRaftEnvelope', 'raftEnvelopeCutover');
      return enableRaftEnvelope(deps, state, r, capability, deadlineMs);
    }),
  };
}

function parsePurpose(value: M.DekPurpose | number): DekPurpose {
  if (value === 'DEK_PURPOSE_STORAGE' || value === 1) return 'storage';
  if (value === 'DEK_PURPOSE_RAFT' || value === 2) return 'raft';
  throw invalid(`purpose: expected DEK_PURPOSE_STORAGE or DEK_PURPOSE_RAFT, got ${String(value)}`);
}

/** §3.4 (a): every member becomes a storage row and a raft row; duplicates and empty batches refuse. */
function bootstrapBatch(
  entries: readonly M.WriterEntry[],
  storageDekId: number,
  raftDekId: number,
  bugs: ReadonlySet<string>,
): WriterRegistration[] {
  if (entries.length === 0) throw invalid('writer_batch: must not be empty');
  const seen = new Set<bigint>();
  const rows: WriterRegistration[] = [];
  entries.forEach((entry, i) => {
    const full = parseFullId(entry.fullNodeId, `writer_batch[${i}].full_node_id`);
    const localEpoch = parseEpoch(entry.localEpoch, `writer_batch[${i}].local_epoch`, bugs);
    if (seen.has(full)) throw invalid(`writer_batch[${i}]: duplicate full id ${full}`);
    seen.add(full);
    rows.push(
      { dekId: storageDekId, fullNodeId: full, localEpoch },
      { dekId: raftDekId, fullNodeId: full, localEpoch },
    );
  });
  return rows;
}

function wrappedById(keys: ReadonlyMap<number, { readonly wrapped: Uint8Array }>): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [id, key] of keys) out[String(id)] = Buffer.from(key.wrapped);
  return out;
}

async function registryFor(
  deps: EncryptionAdminDeps,
  dekIds: Iterable<number>,
  caller: bigint,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const rows = deps.runtime?.rows;
  if (rows === undefined) return out;
  for (const id of dekIds) {
    const row = await readRegistryRow(rows, id, caller);
    if (row !== undefined && row.fullNodeId === caller) out[String(id)] = row.lastSeenEpoch;
  }
  return out;
}

function localEpochs(keys: ReadonlyMap<number, SidecarKey>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, key] of keys) out[String(id)] = key.localEpoch;
  return out;
}

/**
 * GetSidecarState: any node. Every field but the registry projection comes
 * from one consistent reading (encryption-admin-sidecar-state.ts); the
 * projection follows, only on a confirmed leader.
 */
async function sidecarState(deps: EncryptionAdminDeps): Promise<M.SidecarStateReport> {
  if (deps.sidecarPath === '') throw refuse('no sidecar path is configured on this node');
  const reading = await consistentSidecarReading({
    sidecarPath: deps.sidecarPath,
    appliedIndex: deps.runtime === null ? null : deps.appliedIndex,
    halted: deps.halted,
    clock: deps.clock,
  });
  const sc = reading.sidecar ?? emptySidecar();
  const report = {
    wrappedDeksById: wrappedById(sc.keys),
    activeStorageId: sc.active.storage,
    activeRaftId: sc.active.raft,
    storageEnvelopeActive: sc.storageEnvelopeActive,
    raftEnvelopeCutoverIndex: String(sc.raftEnvelopeCutoverIndex),
    storageEnvelopeCutoverIndex: String(sc.storageEnvelopeCutoverIndex),
    latestAppliedIndex: String(reading.appliedIndex),
    sidecarVersion: reading.sidecar?.version ?? 0,
    localEpochs: localEpochs(sc.keys),
  };
  let registry: Record<string, number> = {};
  if (deps.core.isLeader()) {
    try {
      await deps.core.linearizableRead();
      registry = await registryFor(deps, sc.keys.keys(), fullNodeId(deps.selfId));
    } catch {
      registry = {};
    }
  }
  return { ...report, writerRegistryForCaller: registry };
}
