/**
 * GetSidecarState's consistent reading (an extension of spec §6): the sidecar
 * file and the node's applied index are read together in one synchronous
 * step, so nothing can apply in between, and only at a moment when the file
 * reflects exactly the entries up to that index. Two nodes' answers at the
 * same applied index are then comparable field by field (invariant I3).
 *
 * Why a wait can be needed: an encryption entry writes the sidecar (stamping
 * its own index as `raftAppliedIndex`) during its apply, before the applied
 * index moves to it. A reading that finds `raftAppliedIndex` above the applied
 * index caught that window; it is retried until the apply finished. A halted
 * node applies nothing more, so its reading is final at once.
 */
import { readSidecarSync, type Sidecar } from '../encryption/index.js';
import { refuse } from './encryption-admin-context.js';
import type { NodeClock } from './node-clock.js';

/** Bounds of the reading. */
export interface SidecarReadingBounds {
  /** Pause between two readings while an entry is being applied. */
  readonly retryMs: number;
  /** Longest wait for an apply in progress before the RPC refuses. */
  readonly settleMsMax: number;
}

/** The bounds the node uses (one place, STYLE.md 3). */
export const sidecarReadingDefaults: SidecarReadingBounds = Object.freeze({
  /** Pause between two readings while an entry is being applied. */
  retryMs: 5,
  /** Longest wait for an apply in progress before the RPC refuses. */
  settleMsMax: 2_000,
});

/** The sidecar (null: no file yet) and the applied index it was read at. */
export interface SidecarReading {
  readonly sidecar: Sidecar | null;
  readonly appliedIndex: number;
}

/** What the reading needs from the node. */
export interface SidecarReadingSource {
  readonly sidecarPath: string;
  /** The engine's applied index, or null when no encryption runtime is wired (then the sidecar's own index counts). */
  readonly appliedIndex: (() => number) | null;
  readonly halted: () => boolean;
  /** Bounds the wait for an apply in progress and paces the retries. */
  readonly clock: NodeClock;
}

/** One synchronous step: both values, or null when an entry's sidecar write is ahead of the applied index. */
function readOnce(source: SidecarReadingSource): SidecarReading | null {
  const sidecar = readSidecarSync(source.sidecarPath);
  if (source.appliedIndex === null) return { sidecar, appliedIndex: sidecar?.raftAppliedIndex ?? 0 };
  const appliedIndex = source.appliedIndex();
  if (sidecar !== null && sidecar.raftAppliedIndex > appliedIndex && !source.halted()) return null;
  return { sidecar, appliedIndex };
}

/** The consistent reading (see the module comment); refuses after `settleMsMax` of applies in progress. */
export async function consistentSidecarReading(
  source: SidecarReadingSource,
  bounds: SidecarReadingBounds = sidecarReadingDefaults,
): Promise<SidecarReading> {
  const deadline = source.clock.nowMs() + bounds.settleMsMax;
  for (;;) {
    const reading = readOnce(source);
    if (reading !== null) return reading;
    if (source.clock.nowMs() >= deadline) {
      throw refuse(
        `the sidecar stayed ahead of the applied index for ${bounds.settleMsMax} ms (an encryption entry is still being applied); retry`,
      );
    }
    await source.clock.sleep(bounds.retryMs);
  }
}
