/**
 * The registration watchers of spec §3.4 (d) and (e): once a second, if this
 * load is not yet known to be registered for the active storage DEK (while
 * the storage envelope is active) or for the raft DEK (once the raft wrap is
 * installed), verify the registry row and mark it, or get this node's
 * registration committed: proposed when it leads, forwarded to the leader
 * otherwise (writer-registrar.ts); the next pass marks it once the row has
 * applied here. A row that is ahead of this load's epoch is never "fixed" by
 * proposing a lower epoch, which would halt every replica.
 */
import { readRegistryRow } from '../encryption/index.js';
import type { EncryptionRuntime } from './encryption-startup.js';
import type { Logger } from './logger.js';
import type { NodeClock } from './node-clock.js';
import type { RegisterOwnWriter } from './writer-registrar.js';

/** Bound of one pass's registration attempt (spec §3.4 (d): 30 s per tick). */
export const registrationTickMsMax = 30_000;

/** What the watcher needs from the node. */
export interface RegistrationWatcherDeps {
  readonly runtime: Pick<EncryptionRuntime, 'stateCache' | 'raft' | 'epochs' | 'rows' | 'me'>;
  readonly register: RegisterOwnWriter;
  readonly logger: Logger;
  /** Sets each registration attempt's deadline (epoch ms). */
  readonly clock: NodeClock;
}

/** Periodic registration of this load's (DEK, full id, epoch) tuples. */
export class RegistrationWatcher {
  private running = false;

  constructor(private readonly deps: RegistrationWatcherDeps) {}

  /** One pass over both purposes; the node calls it from a timer (overlapping passes are skipped). */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const { stateCache, raft, epochs } = this.deps.runtime;
      // Raft first: once the wrap is on, every other payload (the storage registration too) needs it.
      if (raft.wrapping && !raft.registered()) {
        const dek = raft.raftDekId;
        await this.ensure(dek, epochs.raft, () => raft.markRegistered(dek));
      }
      if (stateCache.storageEnvelopeActive && stateCache.activeStorageDekId !== 0 && !stateCache.registered()) {
        const dek = stateCache.activeStorageDekId;
        await this.ensure(dek, epochs.storage, () => stateCache.markRegistered(dek));
      }
    } catch (error) {
      this.deps.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'encryption writer registration attempt failed; retrying',
      );
    } finally {
      this.running = false;
    }
  }

  private async ensure(dekId: number, epoch: number, mark: () => void): Promise<void> {
    const { rows, me } = this.deps.runtime;
    const row = await readRegistryRow(rows, dekId, me);
    // Exactly equal (spec §3.4 (b)3): "last >= epoch" is deliberately not accepted.
    if (row !== undefined && row.fullNodeId === me && row.lastSeenEpoch === epoch) {
      mark();
      this.deps.logger.info({ dekId, epoch }, 'encryption writer registered');
      return;
    }
    if (row !== undefined && (row.fullNodeId !== me || row.lastSeenEpoch > epoch)) return;
    await this.deps.register(
      { dekId, fullNodeId: me, localEpoch: epoch },
      this.deps.clock.nowMs() + registrationTickMsMax,
    );
  }
}
