/**
 * The in-memory mirror of the sidecar fields the write path reads on every
 * put (spec §4.4). One instance per process, shared by every shard: a
 * per-applier copy would leave the others stale. Primed from the sidecar
 * before any store opens, refreshed after every successful sidecar write
 * (write first, then cache).
 */
import type { Sidecar } from './sidecar-codec.js';

/** Process-wide encryption state cache. */
export class StateCache {
  #activeStorageDekId = 0;
  #storageEnvelopeActive = false;
  // Per-load fact, never persisted: the DEK this process's own registration has committed for.
  #registeredStorageDekId = 0;

  /** Mirror of `active.storage` (0 = none). */
  get activeStorageDekId(): number {
    return this.#activeStorageDekId;
  }

  /** Mirror of `storage_envelope_active` (the Phase-1 cluster flag). */
  get storageEnvelopeActive(): boolean {
    return this.#storageEnvelopeActive;
  }

  /** The DEK this process load is known to be registered for (0 = none). */
  get registeredStorageDekId(): number {
    return this.#registeredStorageDekId;
  }

  /** Refresh from a sidecar just read or durably written (null = no sidecar). */
  prime(sidecar: Sidecar | null): void {
    this.#activeStorageDekId = sidecar?.active.storage ?? 0;
    this.#storageEnvelopeActive = sidecar?.storageEnvelopeActive ?? false;
  }

  /** Record that this node's registration for `dekId` at its pinned epoch has committed. */
  markRegistered(dekId: number): void {
    this.#registeredStorageDekId = dekId;
  }

  /** `active != 0 && registered == active`: the direct-write gate (7a-2). */
  registered(): boolean {
    return this.#activeStorageDekId !== 0 && this.#registeredStorageDekId === this.#activeStorageDekId;
  }
}
