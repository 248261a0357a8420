/**
 * The process-start registration of spec §3.4 (b) (7a), installed at §8.1
 * step 9 (after the replay and the after-replay checks):
 * 1. nothing to do in Phase 0 or without an active storage DEK (the runtime
 *    watcher covers a later cutover or bootstrap);
 * 2. compare this load's storage epoch with the registry's `last` for
 *    (active storage DEK, me), a missing row counting as 0: equal → mark
 *    registered, no gate; below → refuse startup; above → arm the
 *    first-write barrier and register in the background;
 * 3. the background loop first verifies (the row is ours with `last ==
 *    epoch` exactly; "last >= epoch" is deliberately not accepted), then
 *    proposes or forwards the registration, each attempt bounded by 5 s,
 *    backing off 100 ms → 5 s; on success it marks registered and only then
 *    releases the barrier. Stopping (shutdown) leaves the barrier armed:
 *    there is no give-up path that opens it.
 */
import { readRegistryRow } from '../encryption/index.js';
import type { EncryptionRuntime } from './encryption-startup.js';
import type { Logger } from './logger.js';
import type { NodeClock } from './node-clock.js';
import type { RegisterOwnWriter } from './writer-registrar.js';

/** Bounds of the 7a loop (spec §3.4 (b)3). */
export const startupRegistrationDefaults = Object.freeze({
  attemptTimeoutMs: 5_000,
  backoffInitialMs: 100,
  backoffMaxMs: 5_000,
});

/** The first-write barrier the loop releases (write-gate.ts). */
export interface FirstWriteBarrier {
  armBarrier(): void;
  releaseBarrier(): void;
}

/** What the 7a registration needs from the node. */
export interface StartupRegistrationDeps {
  readonly runtime: Pick<EncryptionRuntime, 'stateCache' | 'epochs' | 'rows' | 'me'>;
  readonly barrier: FirstWriteBarrier;
  readonly register: RegisterOwnWriter;
  readonly logger: Logger;
  /** Sets each attempt's deadline (epoch ms) and times the backoff. */
  readonly clock: NodeClock;
  /** Test seam for the backoff (default: the clock's sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Why startup refuses at 7a: this load's storage epoch is behind the registry (not a typed sentinel in the spec). */
export class StartupRegistrationError extends Error {
  override readonly name = 'StartupRegistrationError';
}

/** The 7a registration of one process load. */
export class StartupRegistration {
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly deps: StartupRegistrationDeps) {}

  /**
   * Steps 1–2; starts the background loop when the barrier is armed.
   * Returns what it did; throws StartupRegistrationError to refuse startup.
   */
  async install(): Promise<'inactive' | 'registered' | 'armed'> {
    const { stateCache, rows, me, epochs } = this.deps.runtime;
    const dek = stateCache.activeStorageDekId;
    if (!stateCache.storageEnvelopeActive || dek === 0) return 'inactive';
    const row = await readRegistryRow(rows, dek, me);
    const last = row !== undefined && row.fullNodeId === me ? row.lastSeenEpoch : 0;
    if (epochs.storage === last) {
      stateCache.markRegistered(dek);
      return 'registered';
    }
    if (epochs.storage < last) {
      throw new StartupRegistrationError(
        `7a: this load's storage epoch ${epochs.storage} is behind the writer registry (last ${last} for DEK ${dek}); refusing to start`,
      );
    }
    this.deps.barrier.armBarrier();
    this.deps.logger.info(
      { dekId: dek, epoch: epochs.storage, last },
      "first-write barrier armed until this load's writer registration commits (spec §3.4 (b))",
    );
    this.loop = this.run(dek);
    return 'armed';
  }

  /** Ends the background loop at its next step (the barrier stays as it is). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(dek: number): Promise<void> {
    const { stateCache, rows, me, epochs } = this.deps.runtime;
    const sleep = this.deps.sleep ?? ((ms: number) => this.deps.clock.sleep(ms));
    let backoffMs: number = startupRegistrationDefaults.backoffInitialMs;
    while (!this.stopped) {
      try {
        const row = await readRegistryRow(rows, dek, me);
        const verified = row !== undefined && row.fullNodeId === me && row.lastSeenEpoch === epochs.storage;
        if (!verified)
          await this.deps.register(
            { dekId: dek, fullNodeId: me, localEpoch: epochs.storage },
            this.deps.clock.nowMs() + startupRegistrationDefaults.attemptTimeoutMs,
          );
        if (this.stopped) return;
        // Mark first, then release: a write let through must find the node registered.
        stateCache.markRegistered(dek);
        this.deps.barrier.releaseBarrier();
        this.deps.logger.info(
          { dekId: dek, epoch: epochs.storage },
          'encryption writer registered; first-write barrier released',
        );
        return;
      } catch (error) {
        this.deps.logger.warn(
          { err: error instanceof Error ? error.message : String(error), retryInMs: backoffMs },
          'startup writer registration attempt failed; retrying',
        );
      }
      await sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, startupRegistrationDefaults.backoffMaxMs);
    }
  }
}
