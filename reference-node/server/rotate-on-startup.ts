/**
 * `--rotate-on-startup` (6F, spec §7.9): a request, not a guarantee. On the
 * leader it rotates the storage DEK, then the raft DEK: a linearizable read
 * fence, the sidecar, then for each purpose whose active DEK is non-zero a
 * fresh KEK-wrapped DEK under id `max(keys) + 1`, proposed as RotateDEK
 * (0x05/0x01) with this node's full id and its pinned epoch for that purpose
 * as the proposer row; for raft the wrap is re-installed with the new DEK.
 * A purpose is marked done once its rotation applied, so a retry never
 * rotates it twice.
 *
 * Retryable failures (not leader, leadership lost, FailedPrecondition,
 * Unavailable, DeadlineExceeded) retry every 200 ms while this node leads;
 * anything else latches a terminal error and fails the node. While this node
 * leads and the rotation is not done, public KV writes and lease renewals
 * are blocked (`blocksMutators`). A follower keeps the request in memory and
 * fires it if it becomes leader during this process's uptime. No sidecar at
 * all marks the request done.
 *
 * Unlike the real binary this runs after the listeners open: peers reach
 * this node's Raft over the same gRPC server, so it cannot lead before
 * serving; BlockMutators covers the window.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  encodeRotationEntry,
  generateWrappedDek,
  nextDekId,
  readSidecar,
  ROTATION_SUBTAG,
  type DekPurpose,
} from '../encryption/index.js';
import { NodeError } from '../proto/index.js';
import type { EncryptionRuntime } from './encryption-startup.js';
import type { Logger } from './logger.js';
import type { NodeClock } from './node-clock.js';

/** How often a retryable failure is retried (spec §7.9). */
export const rotateOnStartupRetryMs = 200;

/** What the rotation needs from the node. */
export interface RotateOnStartupDeps {
  readonly runtime: Pick<EncryptionRuntime, 'kek' | 'sidecarPath' | 'me' | 'epochs' | 'raft'>;
  readonly core: {
    isLeader(): boolean;
    onLeaderChange(listener: () => void): () => void;
    linearizableRead(): Promise<unknown>;
    proposeAdmin(payload: Uint8Array): Promise<{ readonly index: number }>;
  };
  /** Runs the registration watchers once (the new raft DEK needs this load's registration before it wraps). */
  readonly registerNow: () => Promise<void>;
  /** Called once with the terminal error; the node fails. */
  readonly onTerminal: (error: Error) => void;
  readonly logger: Logger;
  /** Times the pause between retries. */
  readonly clock: NodeClock;
  /** Test seam for the pause between retries (default: the clock's sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Catalogued bugs (E2, E14, E22, E23 here). */
  readonly bugs?: ReadonlySet<string>;
}

/** Where the request stands. */
export type RotateOnStartupState = 'pending' | 'done' | 'failed';

const purposes: readonly DekPurpose[] = ['storage', 'raft'];

/** gRPC statuses §7.9 retries (NodeErrors carry theirs in the registry; not leader and leadership lost map into these). */
const retryableStatuses: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
]);

/** True for the failures §7.9 retries: the node's own refusals with a retryable status; anything else is terminal. */
export function isRetryableRotationError(error: unknown): boolean {
  return error instanceof NodeError && retryableStatuses.has(error.spec.grpcStatus);
}

/** The rotate-on-startup request of one process. */
export class RotateOnStartup {
  private readonly done = new Set<DekPurpose>();
  /** The DEK id each purpose's last attempt proposed (only bug switch E22 reuses it). */
  private readonly attemptedIds = new Map<DekPurpose, number>();
  private current: RotateOnStartupState = 'pending';
  private running: Promise<void> | undefined;
  private stopped = false;
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly deps: RotateOnStartupDeps) {}

  get state(): RotateOnStartupState {
    return this.current;
  }

  /** BlockMutators: this node leads and the rotation is not done. */
  blocksMutators(): boolean {
    // BUG SWITCH E23: client writes and lease renewals are served while the requested rotation is still pending.
    if (this.deps.bugs?.has('E23') === true) return false;
    return this.current !== 'done' && this.deps.core.isLeader();
  }

  /** Arms the request: runs now if this node leads, and whenever it becomes leader later. */
  start(): void {
    this.unsubscribe = this.deps.core.onLeaderChange(() => this.maybeRun());
    this.maybeRun();
  }

  /** Forgets the request (process exit); resolves once a running attempt returned. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    await this.running;
  }

  private maybeRun(): void {
    if (this.stopped || this.current !== 'pending' || this.running !== undefined || !this.deps.core.isLeader()) return;
    this.running = this.runWhileLeader().finally(() => {
      this.running = undefined;
      // Leadership may have come back while the last attempt wound down.
      this.maybeRun();
    });
  }

  private async runWhileLeader(): Promise<void> {
    const sleep = this.deps.sleep ?? ((ms: number) => this.deps.clock.sleep(ms));
    while (!this.stopped && this.current === 'pending' && this.deps.core.isLeader()) {
      try {
        await this.attempt();
        this.current = 'done';
        this.deps.logger.info({ rotated: [...this.done] }, 'rotate-on-startup done');
        return;
      } catch (error) {
        if (!isRetryableRotationError(error)) {
          this.current = 'failed';
          const failure = error instanceof Error ? error : new Error(String(error));
          this.deps.logger.fatal({ err: failure.message }, 'rotate-on-startup failed terminally');
          this.deps.onTerminal(failure);
          return;
        }
        this.deps.logger.info(
          { err: error instanceof Error ? error.message : String(error) },
          `rotate-on-startup: retrying in ${rotateOnStartupRetryMs} ms`,
        );
      }
      await sleep(rotateOnStartupRetryMs);
    }
  }

  /** One pass: fence, then each not-yet-done purpose in order. */
  private async attempt(): Promise<void> {
    const { runtime, core } = this.deps;
    // BUG SWITCH E22: no linearizable read fence before the sidecar is read (a deposed leader reads stale ids).
    const e22 = this.deps.bugs?.has('E22') === true;
    if (!e22) await core.linearizableRead();
    for (const purpose of purposes) {
      if (this.done.has(purpose)) continue;
      const sidecar = await readSidecar(runtime.sidecarPath);
      if (sidecar === null) {
        this.deps.logger.info('rotate-on-startup: no sidecar, nothing to rotate');
        return;
      }
      const active = purpose === 'storage' ? sidecar.active.storage : sidecar.active.raft;
      // BUG SWITCH E22: a retry after an ambiguous error proposes the failed attempt's DEK id again, with new key bytes.
      const dekId = (e22 ? this.attemptedIds.get(purpose) : undefined) ?? nextDekId(sidecar.keys.keys());
      this.attemptedIds.set(purpose, dekId);
      if (active !== 0) await this.rotate(purpose, dekId);
      this.done.add(purpose);
    }
  }

  private async rotate(purpose: DekPurpose, dekId: number): Promise<void> {
    const { runtime, core } = this.deps;
    const { wrapped } = generateWrappedDek(runtime.kek);
    const proposer = { dekId, fullNodeId: runtime.me, localEpoch: runtime.epochs[purpose] };
    const applied = await core.proposeAdmin(
      encodeRotationEntry({ subtag: ROTATION_SUBTAG.rotateDek, dekId, purpose, wrapped, proposer }),
    );
    const after = await readSidecar(runtime.sidecarPath);
    const nowActive = purpose === 'storage' ? after?.active.storage : after?.active.raft;
    // A concurrent rotation took the id first (the entry applied as a stale no-op): draw a new id next round.
    if (nowActive !== dekId)
      throw new NodeError(
        'EncryptionFailedPrecondition',
        `the ${purpose} rotation to DEK ${dekId} applied at ${applied.index} but DEK ${String(nowActive)} is active`,
      );
    // BUG SWITCH E14: the wrap is not re-installed with the new raft DEK.
    // BUG SWITCH E2: a build that cannot wrap has no wrap to re-install.
    const reinstall = this.deps.bugs?.has('E14') !== true && this.deps.bugs?.has('E2') !== true;
    if (purpose === 'raft' && after !== null && after.raftEnvelopeCutoverIndex !== 0 && reinstall)
      runtime.raft.install(after.raftEnvelopeCutoverIndex, dekId);
    this.deps.logger.info({ purpose, dekId, index: applied.index }, 'rotate-on-startup: DEK rotated');
    await this.deps.registerNow();
  }
}
