/**
 * The two cutover RPCs: Phase 1 `EnableStorageEnvelope` (spec §7.5) and
 * Phase 2 `EnableRaftEnvelope` with the barrier (§7.6), plus the capability
 * fan-out both run first (§6.4). Both run entirely under the semaphore.
 */
import { encodeRotationEntry, fullNodeId, readSidecar, ROTATION_SUBTAG } from '../encryption/index.js';
import {
  createEncryptionAdminClient,
  NodeError,
  type CapabilityReport,
  type CapabilitySummary,
  type EnableRaftEnvelopeRequest,
  type EnableRaftEnvelopeResponse,
  type EnableStorageEnvelopeRequest,
  type EnableStorageEnvelopeResponse,
} from '../proto/index.js';
import {
  currentSidecar,
  parseEpoch,
  parseFullId,
  refuse,
  requireLeader,
  requireMutator,
  type AdminState,
  type EncryptionAdminDeps,
} from './encryption-admin-context.js';

/** The whole fan-out's deadline (one timeout for all probes, as the code does). */
const fanOutTimeoutMs = 5_000;
/** How long step 2 waits for in-flight user proposals. */
const drainTimeoutMs = 10_000;
/** Bound of the B5 and E13 waits when the client set no deadline (so a buggy node does not hold the semaphore forever). */
const gateWaitMaxMs = 60_000;

/** Probes every member with GetCapability; refuses naming the first unreachable or incapable full id. */
export async function capabilityFanOut(
  deps: EncryptionAdminDeps,
  self: () => Promise<CapabilityReport>,
): Promise<CapabilitySummary[]> {
  const seen = new Set<string>();
  // BUG SWITCH B21: the capability gate on voters only — a learner (an old binary, say) is never probed.
  const probed = deps.bugs.has('B21') ? deps.members().filter((m) => m.suffrage !== 'learner') : deps.members();
  const members = probed.filter((m) => !seen.has(m.id) && seen.add(m.id));
  const probes = members.map(async (member): Promise<CapabilitySummary> => {
    const full = fullNodeId(member.id).toString();
    try {
      let report: CapabilityReport;
      if (member.id === deps.selfId) report = await self();
      else {
        const client = createEncryptionAdminClient(member.address);
        try {
          report = await client.getCapability({}, { timeoutMs: fanOutTimeoutMs });
        } finally {
          client.close();
        }
      }
      return {
        fullNodeId: full,
        encryptionCapable: report.encryptionCapable,
        buildSha: report.buildSha,
        sidecarPresent: report.sidecarPresent,
      };
    } catch (error) {
      throw refuse(
        `capability check failed: member ${member.id} (full id ${full}) unreachable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  const summaries = await Promise.all(probes);
  const incapable = summaries.find((s) => !s.encryptionCapable);
  if (incapable !== undefined)
    throw refuse(`capability check failed: full id ${incapable.fullNodeId} is not encryption-capable`);
  return summaries;
}

/** What both Enable RPCs check first (§7.5, §7.6): leader, mutator gate, request fields; then the sidecar as it is now. */
async function enableGates(
  deps: EncryptionAdminDeps,
  request: EnableStorageEnvelopeRequest | EnableRaftEnvelopeRequest,
) {
  await requireLeader(deps);
  const runtime = requireMutator(deps);
  const proposer = parseFullId(request.proposerNodeId, 'proposer_node_id');
  const epoch = parseEpoch(request.proposerLocalEpoch, 'proposer_local_epoch', deps.bugs);
  return { runtime, proposer, epoch, sc: await currentSidecar(runtime.sidecarPath) };
}

/** Runs an Enable RPC's body under the cutover semaphore. */
function serialised<T>(deps: EncryptionAdminDeps, state: AdminState, body: () => Promise<T>): Promise<T> {
  // BUG SWITCH B46: no semaphore; two concurrent cutover RPCs both see "not active" and both report a fresh success.
  return deps.bugs.has('B46') ? body() : state.semaphore.run(body);
}

/** §7.5 Phase 1. */
export async function enableStorageEnvelope(
  deps: EncryptionAdminDeps,
  state: AdminState,
  request: EnableStorageEnvelopeRequest,
  self: () => Promise<CapabilityReport>,
): Promise<EnableStorageEnvelopeResponse> {
  return serialised(deps, state, async () => {
    const { runtime, proposer, epoch, sc } = await enableGates(deps, request);
    if (sc.active.storage === 0)
      throw refuse('ErrEncryptionNotBootstrapped: no active storage DEK; run bootstrap first');
    if (sc.storageEnvelopeActive) {
      // BUG SWITCH B45: a retry is refused (AlreadyExists) instead of answering was_already_active with the original index.
      if (deps.bugs.has('B45')) throw refuse('AlreadyExists: the storage envelope is already active');
      const unknown = sc.storageEnvelopeCutoverIndex === 0;
      return {
        appliedIndex: String(unknown ? sc.raftAppliedIndex : sc.storageEnvelopeCutoverIndex),
        capabilitySummary: [],
        cutoverIndexUnknown: unknown,
        wasAlreadyActive: true,
      };
    }
    const summary = await capabilityFanOut(deps, self);
    const dek = sc.active.storage;
    const applied = await deps.core.proposeAdmin(
      encodeRotationEntry({
        subtag: ROTATION_SUBTAG.enableStorageEnvelope,
        dekId: dek,
        purpose: 'storage',
        wrapped: new Uint8Array(0),
        proposer: { dekId: dek, fullNodeId: proposer, localEpoch: epoch },
      }),
    );
    const post = await currentSidecar(runtime.sidecarPath);
    if (!post.storageEnvelopeActive) throw refuse('the storage cutover raced a RotateDEK (stale DEK, no-op); retry');
    const index = post.storageEnvelopeCutoverIndex !== 0 ? post.storageEnvelopeCutoverIndex : applied.index;
    return {
      appliedIndex: String(index),
      capabilitySummary: summary,
      cutoverIndexUnknown: false,
      wasAlreadyActive: false,
    };
  });
}

/** Steps 1 and 2: refuse new user proposals, wait for the in-flight ones; reopen if they do not drain. */
async function closeBarrier(deps: EncryptionAdminDeps, deadlineMs: number): Promise<void> {
  deps.barrier.begin();
  try {
    // BUG SWITCH E13: the begin step waits for a signal that never comes (the barrier it just closed opening), until the deadline.
    if (deps.bugs.has('E13')) await deps.barrier.waitOpen(Math.min(deadlineMs, deps.clock.nowMs() + gateWaitMaxMs));
    await deps.barrier.drained(drainTimeoutMs);
  } catch (error) {
    deps.barrier.end();
    throw error;
  }
}

/**
 * §7.6 Phase 2 with the six-step barrier. `deadlineMs` is the client's
 * deadline (epoch ms, Infinity when none); only the B5 and E13 waits use it.
 */
export async function enableRaftEnvelope(
  deps: EncryptionAdminDeps,
  state: AdminState,
  request: EnableRaftEnvelopeRequest,
  self: () => Promise<CapabilityReport>,
  deadlineMs = Infinity,
): Promise<EnableRaftEnvelopeResponse> {
  return serialised(deps, state, async () => {
    const { runtime, proposer, epoch, sc } = await enableGates(deps, request);
    if (sc.active.raft === 0) throw refuse('ErrEncryptionNotBootstrapped: no active raft DEK; run bootstrap first');
    // BUG SWITCH B45: a retry is refused (AlreadyExists) instead of answering was_already_active with the original index.
    if (sc.raftEnvelopeCutoverIndex !== 0 && deps.bugs.has('B45'))
      throw refuse('AlreadyExists: the raft envelope is already active');
    if (sc.raftEnvelopeCutoverIndex !== 0)
      return { appliedIndex: String(sc.raftEnvelopeCutoverIndex), capabilitySummary: [], wasAlreadyActive: true };
    const summary = await capabilityFanOut(deps, self);
    // BUG SWITCH B6: no barrier at all; user writes keep being proposed (in cleartext) while the marker commits.
    if (!deps.bugs.has('B6')) await closeBarrier(deps, deadlineMs);
    // Test hook: widen the window between the drained barrier and the marker, where an aimed fault makes the propose ambiguous.
    const markerDelayMs = deps.raftMarkerDelayMs ?? 0;
    if (markerDelayMs > 0) await deps.clock.sleep(markerDelayMs);
    const dek = sc.active.raft;
    const marker = encodeRotationEntry({
      subtag: ROTATION_SUBTAG.enableRaftEnvelope,
      dekId: dek,
      purpose: 'raft',
      wrapped: new Uint8Array(0),
      proposer: { dekId: dek, fullNodeId: proposer, localEpoch: epoch },
    });
    let post;
    let markerIndex = 0;
    try {
      // BUG SWITCH B5: a global gate; the marker waits behind the barrier this RPC closed, until the deadline.
      if (deps.bugs.has('B5')) await deps.barrier.waitOpen(Math.min(deadlineMs, deps.clock.nowMs() + gateWaitMaxMs));
      // proposeAdmin returns once the marker applied locally: steps 3 and 4 together.
      markerIndex = (await deps.core.proposeAdmin(marker, { wrap: false })).index;
      post = await readSidecar(runtime.sidecarPath);
    } catch (error) {
      // Ambiguous: the marker may still commit. Keep the barrier closed and latch.
      // BUG SWITCH B11: treat it as definite instead: reopen the barrier, set no latch.
      if (deps.bugs.has('B11')) deps.barrier.end();
      else state.unsafeLatched = true;
      deps.logger.error(
        { err: error instanceof Error ? error.message : String(error), latched: state.unsafeLatched },
        'raft cutover failed ambiguously; barrier stays closed until restart unless B11',
      );
      throw error instanceof NodeError ? error : refuse(`raft cutover failed: ${String(error)}`);
    }
    // BUG SWITCH E1: the fresh branch ran (the registration persisted) but recorded cutover 0; report success anyway.
    if (deps.bugs.has('E1') && post !== null && post.raftEnvelopeCutoverIndex === 0 && post.active.raft === dek) {
      deps.barrier.end();
      return { appliedIndex: String(markerIndex), capabilitySummary: summary, wasAlreadyActive: false };
    }
    if (post === null || post.raftEnvelopeCutoverIndex === 0) {
      deps.barrier.end();
      throw refuse('the raft cutover raced a RotateDEK (stale DEK, no-op); retry');
    }
    // Step 5: the installer already published the wrap on apply; re-install is idempotent.
    // BUG SWITCH E2: a build that cannot wrap installs nothing, yet reports the cutover done.
    if (!deps.bugs.has('E2')) runtime.raft.install(post.raftEnvelopeCutoverIndex, post.active.raft);
    deps.barrier.end();
    await deps.registerNow();
    return { appliedIndex: String(post.raftEnvelopeCutoverIndex), capabilitySummary: summary, wasAlreadyActive: false };
  });
}
