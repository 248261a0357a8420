/**
 * One node process, started in the order of spec §8.1. Encryption steps
 * (encryption-startup.ts) run only with --encryption-enabled, except the
 * downgrade guard: 2 and 4 (scope) before storage opens; 1 (the newest
 * snapshot's cutover) on the loaded log before 3–4 (guards, bump) on the
 * opened store; then
 *   5. recover from the snapshot, rebuild the Raft core, and replay every
 *      committed entry up to the durable commit index through the wired
 *      pipeline (RaftLoop.replayCommitted) — a halt on replay is a halt;
 *   6–9. the after-replay checks, then the 7a registration with its
 *      first-write barrier (encryption-triggers.ts);
 *  11. serve KV, RaftAdmin, Peer and EncryptionAdmin on one port; print READY
 *      (the port itself is bound before step 1, before anything touches the
 *      data dir, and answers NodeStarting until here: node-server.ts);
 *  10. rotate-on-startup, after serving: peers reach this node's Raft over
 *      the same server, so it cannot lead before (BlockMutators covers it).
 * The returned handle is disposable: `stop()` is a graceful shutdown, and
 * `exitCode` resolves when the node ended (0 stopped, 3 halted with
 * --exit-on-halt).
 */
import { isEncryptionError } from '../encryption/index.js';
import { NodeError, type StatusResponse } from '../proto/index.js';
import { ApplyPipeline, Hlc, KvDefaults, ProposalRegistry, StateMachine } from '../kv/index.js';
import { kvBugSwitchesOf } from './bug-switches.js';
import { decodeMessage, encodeMessage, RawNode, withSnapshotData } from '../raft/index.js';
import { asNodeId } from '../raft/types.js';
import { NodeStorage } from '../storage/index.js';
import { AddressBook } from './address-book.js';
import { createAdminService } from './admin-service.js';
import { prepareDataDir } from './data-dir.js';
import {
  checkAfterRecovery,
  checkNewestSnapshotCutover,
  keylessEncryptionApplier,
  prepareEncryption,
  wireEncryption,
  type EncryptionRuntime,
  type PreparedEncryption,
} from './encryption-startup.js';
import { EncryptionTriggers } from './encryption-triggers.js';
import { createEncryptionAdminService } from './encryption-admin-service.js';
import { ProposalBarrier } from './proposal-barrier.js';
import { createKvService } from './kv-service.js';
import { LeaderForwarder } from './leader-forwarder.js';
import type { Logger } from './logger.js';
import type { NodeConfig } from './node-config.js';
import { NodeCore } from './node-core.js';
import type { NodeClock, NodeRandom, Timer } from './node-clock.js';
import { NodeServer } from './node-server.js';
import { buildStatus } from './node-status.js';
import { NewestSnapshotFormat } from './newest-snapshot-format.js';
import { newestSnapshotCutoverIndex, openRaftState, type RaftStartState } from './open-raft-state.js';
import { createPeerService } from './peer-service.js';
import { PeerTransport } from './peer-transport.js';
import { pipelinePort } from './pipeline-port.js';
import { RaftLoop, type HaltInfo } from './raft-loop.js';
import { stageBehaviour } from './rollout-stage.js';

/** The node's version string (reported by Status). */
export const nodeVersion = 'ekv-node 0.1.0';

/** Exit code of a node that halted with --exit-on-halt (the production fatal path). */
export const haltExitCode = 3;

/** A running node. */
export interface StartedNode extends AsyncDisposable {
  /** The address the gRPC server is bound to. */
  readonly listenAddress: string;
  /** Resolves with the process exit code once the node ended. */
  readonly exitCode: Promise<number>;
  /** Graceful shutdown: stop accepting, fail pending work, close storage. Idempotent. */
  stop(): Promise<void>;
}

const snapshotBytesMax = 1024 * 1024 * 1024;

/** How often the registration watchers look at the registry (spec §3.4 (d), (e)). */
const registrationPollMs = 1_000;

/**
 * How long a proposal on a new leader waits for the leader to apply up to its
 * term's start before a definite, retryable refusal: one election timeout (a
 * healthy leader commits and applies its no-op within a heartbeat round; if
 * it cannot within the time Raft allows a leader to show progress, a retry is
 * better than a wait), never above the proposal timeout.
 */
function leaderReadyWaitMsOf(config: NodeConfig): number {
  return Math.min(config.tickMs * config.electionTicks, config.proposalTimeoutMs);
}

/** Wrap every FSM payload once the raft cutover is installed on this process. */
function raftWrap(encryption: EncryptionRuntime): (payload: Uint8Array) => Uint8Array {
  return (payload) => {
    if (!encryption.raft.wrapping) return payload;
    try {
      return encryption.raft.wrap(payload);
    } catch (error) {
      if (isEncryptionError(error, 'ErrWriterNotRegistered'))
        throw new NodeError('WriterNotRegistered', (error as Error).message);
      throw error;
    }
  };
}

/**
 * The node's sources of time and randomness (node-clock.ts): the process
 * entry passes the system clock and crypto randomness; a simulator passes
 * virtual ones.
 */
export interface NodeEnvironment {
  readonly clock: NodeClock;
  readonly random: NodeRandom;
}

/** What §8.1 steps 1–5 (before the replay) leave behind: storage, state machine, wired encryption, Raft start state. */
interface OpenedState {
  readonly prepared: PreparedEncryption | null;
  readonly nodeStorage: NodeStorage;
  readonly addressBook: AddressBook;
  readonly hlc: Hlc;
  readonly fsm: StateMachine;
  readonly proposals: ProposalRegistry;
  readonly pipeline: ApplyPipeline;
  readonly encryption: EncryptionRuntime | null;
  readonly start: RaftStartState;
  readonly snapshotFormat: NewestSnapshotFormat;
}

/** Steps 1–4 and the snapshot restore of 5; a refusal closes the storage and throws its named error. */
async function openState(config: NodeConfig, logger: Logger, { clock, random }: NodeEnvironment): Promise<OpenedState> {
  // §8.1 steps 2 and 4 (scope): KEK + startup guards.
  const prepared = await prepareEncryption(config);
  const nodeStorage = await NodeStorage.open(config.dataDir);
  const addressBook = new AddressBook(config.dataDir);
  const hlc = new Hlc(clock);
  let encryption: EncryptionRuntime | null = null;
  // Snapshot headers carry the raft cutover once this process knows one (v2, spec §9.3).
  const kvBugs = kvBugSwitchesOf(config.bugs);
  // BUG SWITCH B40, B42 (kv layer): the opcode band and the snapshot header latch.
  const fsm = new StateMachine({
    store: nodeStorage.state,
    hlc,
    cutoverIndex: () => encryption?.raft.cutoverIndex ?? 0,
    bugs: kvBugs,
  });
  const proposals = new ProposalRegistry({
    random,
    pendingProposalsMax: config.pendingRequestsMax,
  });
  // BUG SWITCH B4 (kv layer): the pipeline unwraps at index >= cutover, so the cleartext marker is unwrapped.
  const pipeline = new ApplyPipeline({ fsm, proposals, bugs: kvBugs });
  try {
    const loaded = await nodeStorage.log.load();
    // Step 1: the newest snapshot's cutover against the sidecar, before the bump.
    if (prepared !== null) checkNewestSnapshotCutover(config, prepared, newestSnapshotCutoverIndex(loaded));
    // Steps 3–4: membership guards, hydrate, bumps, factories, codecs, applier, unwrap hook.
    if (prepared !== null) {
      encryption = await wireEncryption(
        config,
        prepared,
        nodeStorage.state,
        [...addressBook.entries().keys(), ...config.peers.keys()],
        clock,
      );
      fsm.setEncryptionApplier(encryption.applier);
      pipeline.setUnwrapper(encryption.unwrapper);
    } else {
      // Every stage since 6A wires the applier, KEK or not (spec §7.1).
      fsm.setEncryptionApplier(keylessEncryptionApplier(config, nodeStorage.state, clock));
    }
    const start = await openRaftState(config, nodeStorage.log, loaded, fsm, addressBook, logger);
    const snapshotFormat = new NewestSnapshotFormat(loaded.snapshot?.data ?? null);
    return { prepared, nodeStorage, addressBook, hlc, fsm, proposals, pipeline, encryption, start, snapshotFormat };
  } catch (error) {
    await nodeStorage.close();
    throw error;
  }
}

/**
 * Starts a node with a validated configuration. The listen socket is bound
 * first: a taken address refuses with ListenError before the data dir is
 * created or written.
 */
export async function startNode(
  config: NodeConfig,
  logger: Logger,
  environment: NodeEnvironment,
): Promise<StartedNode> {
  const startedAtMs = environment.clock.nowMs();
  const server = new NodeServer({ clock: environment.clock });
  const listenAddress = await server.bind(`${config.listen.host}:${config.listen.port}`);
  try {
    prepareDataDir(config.dataDir);
    return await startOnBoundServer(config, logger, environment, { server, listenAddress, startedAtMs });
  } catch (error) {
    server.forceShutdown();
    throw error;
  }
}

/** The bound, not yet serving server of a starting node. */
interface BoundServer {
  readonly server: NodeServer;
  readonly listenAddress: string;
  readonly startedAtMs: number;
}

/** §8.1 steps 1–11 on a bound server (see the module comment); the caller shuts the server down if this throws. */
async function startOnBoundServer(
  config: NodeConfig,
  logger: Logger,
  environment: NodeEnvironment,
  { server, listenAddress, startedAtMs }: BoundServer,
): Promise<StartedNode> {
  const { clock, random } = environment;
  const { prepared, nodeStorage, addressBook, hlc, fsm, proposals, pipeline, encryption, start, snapshotFormat } =
    await openState(config, logger, environment);
  addressBook.merge(config.peers);
  const raftLogger = logger.child({ layer: 'raft' });
  const rawNode = new RawNode({
    id: asNodeId(config.id),
    storage: start.storage,
    random: () => random.nextFloat(),
    electionTicks: config.electionTicks,
    heartbeatTicks: config.heartbeatTicks,
    applied: start.applied,
    logger: (level, message) => raftLogger[level](message),
  });
  const barrier = new ProposalBarrier(clock);
  const core = new NodeCore({
    id: config.id,
    rawNode,
    proposals,
    fsm,
    hlc,
    addressBook,
    proposalTimeoutMs: config.proposalTimeoutMs,
    leaderReadyWaitMs: leaderReadyWaitMsOf(config),
    waitersMax: config.pendingRequestsMax,
    tickMs: config.tickMs,
    electionTicks: config.electionTicks,
    logger,
    barrier,
    bugs: new Set<string>(config.bugs),
    clock,
    random,
    ...(encryption === null ? {} : { wrapPayload: raftWrap(encryption) }),
  });
  const routeOf = (id: string): string | undefined => config.peerRoutes.get(id) ?? addressBook.get(id);
  // The transport is built before the loop it reports to.
  const ref: { loop?: RaftLoop } = {};
  const transport = createTransport(config, routeOf, () => ref.loop, logger, clock);
  const lifecycle = new NodeLifecycle(config, logger);
  const loop = new RaftLoop({
    rawNode,
    storage: start.storage,
    logStore: nodeStorage.log,
    stateMachine: pipelinePort(pipeline, fsm, (data) => snapshotFormat.observe(data)),
    addressBook,
    initialConfState: start.confState,
    snapshotEntries: config.snapshotEntries,
    snapshotKeepEntries: config.snapshotKeepEntries,
    inputsMax: config.raftInputsMax,
    clock,
    events: core.events(
      (messages) => transport.send(messages),
      (halt) => lifecycle.halted(halt),
    ),
    logger,
  });
  ref.loop = loop;
  core.attach(loop);
  const forwarder = new LeaderForwarder({
    routeOf,
    leaderHint: () => core.leaderHint(),
    onLeaderChange: (listener) => core.onLeaderChange(listener),
    callTimeoutMs: config.proposalTimeoutMs + 1_000,
    clock,
  });
  const triggers = new EncryptionTriggers({
    runtime: encryption,
    core,
    forwarder,
    rotateOnStartup: config.rotateOnStartup,
    barrierWaitMsMax: config.proposalTimeoutMs,
    onTerminal: (error) => lifecycle.failed(error),
    logger,
    clock,
    bugs: new Set<string>(config.bugs),
  });
  const watcher = triggers.watcher;
  try {
    // Step 5 (replay): the committed log up to the durable commit index, through the wired pipeline.
    await loop.replayCommitted(start.commitIndex);
    // Steps 6–9 on the replayed state (a node that halted on replay serves Status only: no checks).
    if (encryption !== null && prepared !== null && loop.halt === undefined) {
      await checkAfterRecovery(encryption, {
        appliedIndex: fsm.appliedIndex(),
        restoredCutover: fsm.restoredCutoverIndex(),
        log: nodeStorage.log,
        bugs: prepared.bugs,
      });
      await triggers.install();
    }
  } catch (error) {
    forwarder.close();
    transport.close();
    await nodeStorage.close();
    throw error;
  }
  const status = (): StatusResponse =>
    buildStatus({
      config,
      rawNode,
      loop,
      addressBook,
      appliedIndex: () => pipeline.appliedIndex(),
      haltError: () => pipeline.halted()?.error ?? null,
      snapshotFormat: () => snapshotFormat.current,
      writeCounts: nodeStorage.database.writeCounts,
      kvProposalTimes: core.kvProposalTimes,
      startedAtMs,
      version: nodeVersion,
      clock,
    });
  openServices(server, { config, core, forwarder, status, loop, addressBook, triggers, clock });
  server.open(
    'EncryptionAdmin',
    createEncryptionAdminService({
      selfId: config.id,
      buildSha: nodeVersion,
      sidecarPath: config.sidecarPath,
      runtime: encryption,
      core,
      barrier,
      logger,
      stage: stageBehaviour(config.stage),
      members: () => status().members.map((m) => ({ id: m.id, address: m.address, suffrage: m.suffrage })),
      bugs: new Set<string>(config.bugs),
      appliedIndex: () => pipeline.appliedIndex(),
      halted: () => loop.halt !== undefined,
      registerNow: async () => {
        await watcher?.tick();
      },
      raftMarkerDelayMs: config.testRaftMarkerDelayMs,
      clock,
    }),
  );
  loop.start();
  const timers = [
    clock.every(config.tickMs, () => loop.inbox.post((raw) => raw.tick())),
    clock.every(config.leaseIntervalMs, () => {
      if (triggers.leaseRenewalAllowed())
        core.proposeLeaseRenewal(Math.max(KvDefaults.leaseMs, 2 * config.leaseIntervalMs));
    }),
  ];
  if (watcher !== null) timers.push(clock.every(registrationPollMs, () => void watcher.tick()));
  const started = lifecycle.started({
    server,
    listenAddress,
    loop,
    core,
    transport,
    forwarder,
    nodeStorage,
    timers,
    triggers,
  });
  // Step 10: rotate-on-startup, once peers can reach this node's Raft (it cannot lead before).
  triggers.start();
  return started;
}

function createTransport(
  config: NodeConfig,
  routeOf: (id: string) => string | undefined,
  loop: () => RaftLoop | undefined,
  logger: Logger,
  clock: NodeClock,
): PeerTransport {
  return new PeerTransport({
    selfId: config.id,
    selfAddress: config.advertise,
    queueMessagesMax: config.peerQueueMessagesMax,
    batchMessagesMax: config.peerBatchMessagesMax,
    batchBytesMax: config.peerBatchBytesMax,
    snapshotChunkBytes: config.snapshotChunkBytes,
    rpcTimeoutMs: config.peerRpcTimeoutMs,
    codec: {
      encode: (m) => encodeMessage(m),
      encodeWithoutSnapshotData: (m) => encodeMessage(m, { omitSnapshotData: true }),
    },
    addressOf: routeOf,
    onUnreachable: (id) => loop()?.inbox.post((raw) => raw.reportUnreachable(asNodeId(id))),
    onSnapshotStatus: (id, status) => loop()?.inbox.post((raw) => raw.reportSnapshot(asNodeId(id), status)),
    logger,
    clock,
  });
}

interface ServerParts {
  readonly config: NodeConfig;
  readonly core: NodeCore;
  readonly forwarder: LeaderForwarder;
  readonly status: () => StatusResponse;
  readonly loop: RaftLoop;
  readonly addressBook: AddressBook;
  readonly triggers: EncryptionTriggers;
  readonly clock: NodeClock;
}

/** Starts serving KV, RaftAdmin and Peer on the bound server. */
function openServices(
  server: NodeServer,
  { config, core, forwarder, status, loop, addressBook, triggers, clock }: ServerParts,
): void {
  server.open('KV', createKvService(core, forwarder, clock, triggers.writeGate, new Set<string>(config.bugs)));
  server.open(
    'RaftAdmin',
    createAdminService({
      core,
      forwarder,
      status,
      testHooks: config.testHooks,
      ...(triggers.beforeMemberAdd === undefined ? {} : { beforeMemberAdd: triggers.beforeMemberAdd }),
    }),
  );
  server.open(
    'Peer',
    createPeerService({
      selfId: config.id,
      snapshotBytesMax,
      decode: decodeMessage,
      attachSnapshotData: withSnapshotData,
      learnAddress: (id, address) => {
        if (addressBook.get(id) === undefined) addressBook.set(id, address);
      },
      deliver: (messages) => {
        // A halted node takes no part in Raft any more (as if its process had gone down).
        if (loop.halt !== undefined) return;
        for (const message of messages) loop.inbox.post((raw) => raw.step(message));
      },
    }),
  );
}

interface Resources {
  readonly server: NodeServer;
  readonly listenAddress: string;
  readonly loop: RaftLoop;
  readonly core: NodeCore;
  readonly transport: PeerTransport;
  readonly forwarder: LeaderForwarder;
  readonly nodeStorage: NodeStorage;
  readonly timers: readonly Timer[];
  readonly triggers: EncryptionTriggers;
}

/** Shutdown and halt handling of a started node. */
class NodeLifecycle {
  private resources: Resources | undefined;
  private stopping: Promise<void> | undefined;
  private resolveExit: (code: number) => void = () => undefined;
  private readonly exitCode = new Promise<number>((resolve) => {
    this.resolveExit = resolve;
  });
  private pendingHalt: HaltInfo | undefined;

  constructor(
    private readonly config: NodeConfig,
    private readonly logger: Logger,
  ) {}

  started(resources: Resources): StartedNode {
    this.resources = resources;
    resources.loop.done().catch((error: unknown) => {
      this.logger.fatal({ err: error instanceof Error ? error.stack : String(error) }, 'raft loop failed');
      void this.shutdown(1);
    });
    if (this.pendingHalt !== undefined) this.halted(this.pendingHalt);
    return {
      listenAddress: resources.listenAddress,
      exitCode: this.exitCode,
      stop: () => this.shutdown(0),
      [Symbol.asyncDispose]: () => this.shutdown(0),
    };
  }

  /** Spec §5.4: a halted node keeps serving Status; with --exit-on-halt it goes down with code 3. */
  halted(halt: HaltInfo): void {
    if (this.resources === undefined) {
      this.pendingHalt = halt;
      return;
    }
    for (const timer of this.resources.timers) timer.cancel();
    if (!this.config.exitOnHalt) {
      this.logger.error(
        { index: halt.index, reason: halt.reason },
        'apply halted; serving Status only (--no-exit-on-halt)',
      );
      return;
    }
    this.logger.fatal({ index: halt.index, reason: halt.reason }, `apply halted; exiting with code ${haltExitCode}`);
    void this.shutdown(haltExitCode);
  }

  /** A terminal startup failure after serving began (rotate-on-startup): the node goes down with code 1. */
  failed(error: Error): void {
    this.logger.fatal({ err: error.message }, 'startup failed after serving began; exiting with code 1');
    void this.shutdown(1);
  }

  private shutdown(code: number): Promise<void> {
    this.stopping ??= this.close(code);
    return this.stopping;
  }

  private async close(code: number): Promise<void> {
    const resources = this.resources;
    if (resources === undefined) return;
    this.logger.info({ code }, 'shutting down');
    for (const timer of resources.timers) timer.cancel();
    resources.core.beginShutdown();
    resources.triggers.stop();
    await resources.server.shutdown();
    await resources.loop.stop();
    resources.transport.close();
    resources.forwarder.close();
    let exitCode = code;
    try {
      await resources.nodeStorage.close();
    } catch (error) {
      // The shutdown still ends (a rejection here would go unhandled and leave exitCode pending), but not with 0.
      this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'closing the storage failed');
      if (exitCode === 0) exitCode = 1;
    }
    this.logger.info({ code: exitCode }, 'stopped');
    this.resolveExit(exitCode);
  }
}
