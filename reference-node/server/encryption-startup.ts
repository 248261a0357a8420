/**
 * The encryption layer's startup wiring (spec §8.1). Without
 * `--encryption-enabled` only the downgrade guard runs (and only when a
 * sidecar path is given), so a plain node starts exactly as before.
 *
 * `prepareEncryption` runs steps 2 and the scope half of 4 before storage
 * opens; `wireEncryption` runs steps 3–4 (membership guards, hydrate, epoch
 * bumps, nonce factories, raft runtime, value codecs, applier) on the opened
 * state store before the FSM recovers; `checkAfterRecovery` runs steps 6–9
 * once the snapshot is restored and before the node serves.
 */
import {
  EncryptionApplier as BandApplier,
  EncryptionError,
  Keystore,
  NonceFactory,
  RaftEnvelopeRuntime,
  StateCache,
  bumpLocalEpoch,
  checkCutoverDivergence,
  checkLocalEpochRollback,
  checkNodeIdCollision,
  checkRaftCutoverScope,
  checkRaftEpochRollback,
  checkSidecarBehindRaftLog,
  checkStartupGuards,
  createStorageValueCodecs,
  fullNodeId,
  hydrateKeystore,
  loadKekFile,
  needsHydration,
  nodeId16,
  nonceEpochForLoad,
  readSidecar,
  rotationSubtagsFor,
  type ApplyResult,
  type Kek,
  type LogPayloadScanner,
  type RaftWrapInstaller,
  type RawRowStore,
  type Sidecar,
} from '../encryption/index.js';
import { HaltError, decodeProposal, type EncryptionApplier, type RaftUnwrapper } from '../kv/index.js';
import type { LogIndex } from '../raft/types.js';
import type { StateStore } from '../storage/index.js';
import type { NodeClock } from './node-clock.js';
import type { NodeConfig } from './node-config.js';
import { stageBehaviour, type StageBehaviour } from './rollout-stage.js';
import { killPointHooks, type KillPointHooks } from './test-kill-points.js';

/** What `prepareEncryption` found: the KEK and the sidecar as read by the guards. */
export interface PreparedEncryption {
  readonly kek: Kek;
  readonly sidecar: Sidecar | null;
  readonly bugs: ReadonlySet<string>;
}

/** The wired encryption runtime of one process load. */
export interface EncryptionRuntime {
  readonly kek: Kek;
  readonly keystore: Keystore;
  readonly stateCache: StateCache;
  readonly raft: RaftEnvelopeRuntime;
  readonly applier: EncryptionApplier;
  readonly unwrapper: RaftUnwrapper;
  readonly rows: RawRowStore;
  readonly sidecarPath: string;
  readonly me: bigint;
  /** The epochs this load's nonce factories are pinned to. */
  readonly epochs: { readonly storage: number; readonly raft: number };
  /** The sidecar after this load's bumps. */
  readonly sidecar: Sidecar | null;
  /** What the emulated release does (guards, cutovers). */
  readonly stage: StageBehaviour;
  /** Applies one encryption-band payload as the log's entry `raftIdx` (bug switch B13 replays the raft marker with it). */
  readonly applyBand: (payload: Uint8Array, raftIdx: number) => Promise<ApplyResult>;
}

/** Steps 2 and 4 (scope): KEK, guards, cutover scope. Null when encryption is off. */
export async function prepareEncryption(config: NodeConfig): Promise<PreparedEncryption | null> {
  const bugs = new Set<string>(config.bugs);
  if (!stageBehaviour(config.stage).startupGuards) return prepareWithoutGuards(config, bugs);
  const { kek, sidecar } = await checkStartupGuards({
    encryptionEnabled: config.encryptionEnabled,
    kekFile: config.kekFile,
    sidecarPath: config.sidecarPath,
    loadKek: loadKekFile,
    bugs,
  });
  if (!config.encryptionEnabled || kek === null) return null;
  if (config.sidecarPath === '')
    throw new EncryptionError('ErrKEKNotConfigured', '--encryption-enabled needs --sidecar-path');
  // This node is one Raft group (spec §11.2). The scope check came with the raft cutover (6E).
  if (stageBehaviour(config.stage).raftEnvelopeCutover) checkRaftCutoverScope(sidecar, 1);
  return { kek, sidecar, bugs };
}

/**
 * 6B (before the §8.2 guards of 6C): wired only under the full triple, and
 * nothing refuses — no flag/KEK/sidecar consistency checks, no filesystem
 * probe, no KEK-mismatch scan (hydration still fails on a wrong KEK).
 */
async function prepareWithoutGuards(config: NodeConfig, bugs: Set<string>): Promise<PreparedEncryption | null> {
  if (!config.encryptionEnabled || config.kekFile === '' || config.sidecarPath === '') return null;
  return { kek: await loadKekFile(config.kekFile), sidecar: await readSidecar(config.sidecarPath), bugs };
}

/** A RawRowStore over the state store's raw rows (synced direct writes). */
export function rawRowsOf(store: StateStore): RawRowStore {
  return { get: (key) => store.getRaw(key), putSynced: (key, value) => store.putRaw(key, value) };
}

/**
 * Steps 3–4 on the opened store: membership guards, hydrate, bump, factories, codecs, applier.
 * `clock` gives the wall time of the applier's diagnostic `created` field.
 */
export async function wireEncryption(
  config: NodeConfig,
  prepared: PreparedEncryption,
  store: StateStore,
  memberIds: Iterable<string>,
  clock: NodeClock,
): Promise<EncryptionRuntime> {
  const { kek, bugs } = prepared;
  const stage = stageBehaviour(config.stage);
  let sidecar = prepared.sidecar;
  const me = fullNodeId(config.id);
  const rows = rawRowsOf(store);
  let epochs = { storage: 0, raft: 0 };
  // BUG SWITCH E6: the bumps run before the membership guards, so a start they refuse has consumed an epoch.
  const bumpBeforeGuards = bugs.has('E6');
  if (bumpBeforeGuards && sidecar !== null && needsHydration(sidecar))
    ({ sidecar, epochs } = await bumpEpochs(config, sidecar, bugs));
  if (stage.startupGuards && sidecar !== null && sidecar.active.storage !== 0) {
    checkNodeIdCollision([me, ...[...memberIds].map((id) => fullNodeId(id))]);
    await checkLocalEpochRollback({ sidecar, rows, me, phase: 'before-bump', bugs });
  }
  const keystore = new Keystore();
  if (sidecar !== null && needsHydration(sidecar)) {
    hydrateKeystore(sidecar, kek, keystore, bugs);
    if (!bumpBeforeGuards) ({ sidecar, epochs } = await bumpEpochs(config, sidecar, bugs));
  }
  const storageEpoch = epochs.storage;
  let raftEpoch = epochs.raft;
  // No cutover yet: the raft factory emits nothing until one applies in this load, at the key's current epoch.
  if (sidecar !== null && sidecar.raftEnvelopeCutoverIndex === 0)
    raftEpoch = sidecar.keys.get(sidecar.active.raft)?.localEpoch ?? 0;
  const node16 = nodeId16(me);
  // BUG SWITCH B24: the bump placed after the replay — this load's factory keeps the previous load's epoch, so its nonces repeat.
  const storageNonceEpoch = bugs.has('B24')
    ? (prepared.sidecar?.keys.get(prepared.sidecar.active.storage)?.localEpoch ?? 0)
    : storageEpoch;
  const storageNonces = new NonceFactory(node16, nonceEpochForLoad(storageNonceEpoch, bugs));
  const raft = new RaftEnvelopeRuntime({
    keystore,
    nonces: new NonceFactory(node16, nonceEpochForLoad(raftEpoch, bugs)),
    fullNodeId: me,
    raftEpoch,
  });
  // Before 6E the binary has no unwrap/wrap: a cutover in the sidecar (a downgrade) is not installed.
  // BUG SWITCH E2: a 6E-1 build records the cutover in its sidecar but has neither half of the envelope (no install here or on apply).
  const cannotWrap = bugs.has('E2');
  if (!cannotWrap && stage.raftEnvelopeCutover && sidecar !== null && sidecar.raftEnvelopeCutoverIndex !== 0) {
    // BUG SWITCH B7: wrap-on-propose not initialised from the sidecar; only the unwrap side learns the cutover.
    // BUG SWITCH B13: the wrap is left to the replay of the retained marker (replayRetainedRaftMarker).
    if (bugs.has('B7') || bugs.has('B13'))
      raft.recordCutoverWithoutWrap(sidecar.raftEnvelopeCutoverIndex, sidecar.active.raft);
    else raft.install(sidecar.raftEnvelopeCutoverIndex, sidecar.active.raft);
  }
  const stateCache = new StateCache();
  stateCache.prime(sidecar);
  store.setValueCodecs(createStorageValueCodecs({ keystore, nonces: storageNonces, state: stateCache }));
  // BUG SWITCH B8: applying the marker publishes no wrap (on any replica); only the RPC leader's InstallWrap step wraps.
  const installer: RaftWrapInstaller = cannotWrap
    ? async () => undefined
    : bugs.has('B8')
      ? raft.unwrapOnlyInstaller
      : raft.installer;
  const killPoints = config.testKillPoint === undefined ? undefined : killPointHooks(config.testKillPoint);
  const band = new BandApplier({
    rows,
    sidecarPath: config.sidecarPath,
    keystore,
    kek,
    pinnedEpochs: { storage: storageEpoch, raft: raftEpoch },
    installer,
    stateCache,
    clockMs: () => clock.nowMs(),
    bugs,
    knownSubtags: rotationSubtagsFor(stage),
    ...(killPoints === undefined ? {} : { sidecarWrite: killPoints.sidecarWrite }),
  });
  return {
    kek,
    keystore,
    stateCache,
    raft,
    rows,
    sidecarPath: config.sidecarPath,
    me,
    sidecar,
    stage,
    applyBand: (payload, raftIdx) => band.apply(payload, raftIdx),
    epochs: { storage: storageEpoch, raft: raftEpoch },
    applier: bandApplierPort(band, killPoints),
    unwrapper: { cutoverIndex: () => raft.cutoverIndex, unwrap: (payload) => raft.unwrap(payload) },
  };
}

/**
 * §8.1 step 4's bumps: the storage epoch when a storage DEK is active, the
 * raft epoch when the raft cutover is active (and the stage has one).
 */
async function bumpEpochs(
  config: NodeConfig,
  start: Sidecar,
  bugs: ReadonlySet<string>,
): Promise<{ readonly sidecar: Sidecar; readonly epochs: { readonly storage: number; readonly raft: number } }> {
  let sidecar = start;
  let storage = 0;
  let raft = 0;
  if (sidecar.active.storage !== 0)
    ({ sidecar, epoch: storage } = await bumpLocalEpoch(config.sidecarPath, sidecar, 'storage', { bugs }));
  const raftCutover = stageBehaviour(config.stage).raftEnvelopeCutover && sidecar.raftEnvelopeCutoverIndex !== 0;
  // BUG SWITCH E16: the raft DEK's epoch is bumped at every start, also before the raft cutover.
  const bumpRaft = raftCutover || (bugs.has('E16') && sidecar.active.raft !== 0);
  if (bumpRaft) ({ sidecar, epoch: raft } = await bumpLocalEpoch(config.sidecarPath, sidecar, 'raft', { bugs }));
  return { sidecar, epochs: { storage, raft } };
}

/**
 * The applier of a node without the §7.2 triple (every stage has one since
 * 6A): registrations (0x03) apply to the raw rows; a bootstrap or rotation
 * halts with ErrKEKNotConfigured (§5.3), again on every replay — the §7.8
 * case of a KEK-less node under a 6B+ leader; a sub-tag the stage does not
 * know halts with ErrFSMWireSubtag first. `clock` is the band applier's wall clock.
 */
export function keylessEncryptionApplier(config: NodeConfig, store: StateStore, clock: NodeClock): EncryptionApplier {
  return bandApplierPort(
    new BandApplier({
      rows: rawRowsOf(store),
      sidecarPath: null,
      keystore: null,
      kek: null,
      pinnedEpochs: { storage: 0, raft: 0 },
      installer: null,
      stateCache: new StateCache(),
      clockMs: () => clock.nowMs(),
      bugs: new Set<string>(config.bugs),
      knownSubtags: rotationSubtagsFor(stageBehaviour(config.stage)),
    }),
  );
}

/** "outer: …; cause: inner: …" down the cause chain, so a halt reason names the sentinel that caused it. */
function messageWithCauses(error: Error): string {
  const parts = [error.message];
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 8; depth++) {
    if (!parts[parts.length - 1]!.includes(cause.message)) parts.push(cause.message);
    cause = cause.cause;
  }
  return parts.join('; cause: ');
}

/** The kv layer's applier port over the encryption layer's band applier. */
function bandApplierPort(band: BandApplier, killPoints?: KillPointHooks): EncryptionApplier {
  return {
    async apply({ index, payload }) {
      killPoints?.beforeApply(payload);
      const result = await band.apply(payload, index);
      if (result.kind === 'ok') killPoints?.afterApply(result.detail);
      if (result.kind === 'halt')
        return new HaltError('ErrEncryptionApply', messageWithCauses(result.error), { cause: result.error });
      return { kind: 'encryption', detail: result.detail };
    },
  };
}

/**
 * Log entries the sidecar-behind check may read, as (index, FSM payload) of
 * proposal envelopes: the durable log store, which keeps
 * `--snapshot-keep-entries` entries below the newest snapshot (the in-memory
 * Raft log starts at the snapshot and would refuse sooner).
 */
export interface LogEntrySource {
  firstIndex(): LogIndex;
  lastIndex(): LogIndex;
  entries(lo: LogIndex, hi: LogIndex): Promise<readonly { readonly index: LogIndex; readonly data: Uint8Array }[]>;
}

/** A scanner over the retained log; a compacted range refuses (it cannot be checked). */
export function logPayloadScanner(log: LogEntrySource): LogPayloadScanner {
  return async function* scan(fromExclusive, toInclusive) {
    if (fromExclusive + 1 < log.firstIndex()) {
      throw new EncryptionError(
        'ErrSidecarBehindRaftLog',
        `log entries (${fromExclusive}, ${log.firstIndex()}) are compacted; cannot verify the sidecar`,
      );
    }
    const hi = Math.min(toInclusive, log.lastIndex());
    if (hi <= fromExclusive) return;
    for (const entry of await log.entries((fromExclusive + 1) as LogIndex, (hi + 1) as LogIndex)) {
      const envelope = entry.data.length === 0 ? null : decodeProposal(entry.data);
      if (envelope !== null) yield { index: entry.index, payload: envelope.payload };
    }
  };
}

/**
 * Bug switch B13 only. This node installs the wrap from the sidecar at
 * startup (§8.1 step 4) and never re-delivers the applied marker (its applied
 * index is durable), which would mask the bug. B13 models the restart the bug
 * was found in, one that gets its wrap from the replayed marker: while the
 * log still holds the marker, it goes through the applier again, where the
 * switch checks the stale DEK before "already active" (apply-cutover.ts), so
 * after a later raft rotation nothing is installed. A marker a snapshot
 * covers is not replayed; the sidecar's cutover is installed as usual.
 */
async function replayRetainedRaftMarker(runtime: EncryptionRuntime, log: LogEntrySource): Promise<void> {
  const sidecar = runtime.sidecar;
  const cutover = sidecar?.raftEnvelopeCutoverIndex ?? 0;
  if (sidecar === null || cutover === 0 || !runtime.stage.raftEnvelopeCutover) return;
  const retained = cutover >= log.firstIndex() && cutover <= log.lastIndex();
  const marker = retained ? (await log.entries(cutover as LogIndex, (cutover + 1) as LogIndex))[0] : undefined;
  const payload = marker === undefined ? null : (decodeProposal(marker.data)?.payload ?? null);
  if (payload === null) {
    runtime.raft.install(cutover, sidecar.active.raft);
    return;
  }
  const result = await runtime.applyBand(payload, cutover);
  if (result.kind === 'halt') throw result.error;
}

/** Step 1: the newest snapshot on disk against the sidecar's cutover, before the epoch bump (a 6C guard). */
export function checkNewestSnapshotCutover(
  config: NodeConfig,
  prepared: PreparedEncryption,
  snapshotCutoverIndex: number,
): void {
  if (prepared.sidecar === null || !stageBehaviour(config.stage).startupGuards) return;
  checkCutoverDivergence(snapshotCutoverIndex, prepared.sidecar.raftEnvelopeCutoverIndex);
}

/** Steps 6–9 after the replay of the committed log (RaftLoop.replayCommitted), before serving. */
export async function checkAfterRecovery(
  runtime: EncryptionRuntime,
  input: {
    readonly appliedIndex: number;
    readonly restoredCutover: number;
    readonly log: LogEntrySource;
    readonly bugs: ReadonlySet<string>;
  },
): Promise<void> {
  // BUG SWITCH B13: the restart takes its wrap from replaying the retained marker, as the code of the time did.
  if (input.bugs.has('B13')) await replayRetainedRaftMarker(runtime, input.log);
  const sidecar = runtime.sidecar;
  // The §8.2 guards arrived in 6C.
  if (sidecar === null || !runtime.stage.startupGuards) return;
  await checkLocalEpochRollback({
    sidecar,
    rows: runtime.rows,
    me: runtime.me,
    phase: 'after-replay',
    bugs: input.bugs,
  });
  // Step 7 compares the sidecar as the replay left it (replayed 0x04/0x05 entries rewrote it) with the replayed applied index.
  const replayed = (await readSidecar(runtime.sidecarPath)) ?? sidecar;
  await checkSidecarBehindRaftLog({
    sidecar: replayed,
    engineAppliedIndex: input.appliedIndex,
    scanner: logPayloadScanner(input.log),
    bugs: input.bugs,
  });
  checkCutoverDivergence(input.restoredCutover, sidecar.raftEnvelopeCutoverIndex);
  await checkRaftEpochRollback({
    sidecar,
    rows: runtime.rows,
    me: runtime.me,
    raftEpoch: runtime.epochs.raft,
    bugs: input.bugs,
  });
}
