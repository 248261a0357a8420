/**
 * Per-load key lifecycle steps of the startup order (spec §1.5, §3.3, §8.1
 * step 4): hydrate the keystore from the sidecar and bump a purpose's
 * local_epoch (fsync'd) before any nonce of the load is emitted.
 */
import { EncryptionError } from './errors.js';
import type { Kek } from './kek-file.js';
import type { Keystore } from './keystore.js';
import { writeSidecar, type SidecarWriteOptions } from './sidecar-file.js';
import type { DekPurpose, Sidecar } from './sidecar-codec.js';

/** The largest local_epoch; an active DEK at this value refuses startup (wrapping would repeat the first nonce). */
export const LOCAL_EPOCH_MAX = 0xffff;

/** True if startup hydration applies: `active.storage != 0` or the raft cutover is active. */
export function needsHydration(sidecar: Sidecar | null): boolean {
  return sidecar !== null && (sidecar.active.storage !== 0 || sidecar.raftEnvelopeCutoverIndex !== 0);
}

/**
 * Unwrap EVERY key of the sidecar (old versions need historical DEKs) and
 * load it; ids in ascending order so a failure names a stable id.
 */
export function hydrateKeystore(sidecar: Sidecar, kek: Kek, keystore: Keystore, bugs?: ReadonlySet<string>): void {
  // BUG SWITCH B26: skip hydration; the keystore comes up empty once the bootstrap entry is compacted away.
  if (bugs?.has('B26') === true) return;
  for (const id of [...sidecar.keys.keys()].sort((a, b) => a - b)) {
    const key = sidecar.keys.get(id);
    if (key !== undefined) keystore.set(id, kek.unwrapDek(key.wrapped));
  }
}

/**
 * The epoch a purpose's nonce factory is pinned to for this load: the bumped
 * sidecar epoch (0 when no DEK exists yet).
 */
export function nonceEpochForLoad(bumpedEpoch: number, bugs?: ReadonlySet<string>): number {
  // BUG SWITCH B25: a counter nonce without an epoch — every load restarts at (node, 0, 1).
  if (bugs?.has('B25') === true) return 0;
  return bumpedEpoch;
}

/**
 * `BumpLocalEpoch(active[purpose])`: refuse at 0xFFFF (ErrLocalEpochExhausted),
 * otherwise +1 and a durable sidecar write. Returns the new sidecar and the
 * epoch the load's factory is pinned to. A crash after the fsync consumes one
 * epoch (accepted); a crash before it bumps again next start.
 */
export async function bumpLocalEpoch(
  path: string,
  sidecar: Sidecar,
  purpose: DekPurpose,
  options?: SidecarWriteOptions,
): Promise<{ readonly sidecar: Sidecar; readonly epoch: number }> {
  const id = sidecar.active[purpose];
  const key = sidecar.keys.get(id);
  if (id === 0 || key === undefined) throw new Error(`bumpLocalEpoch: no active ${purpose} DEK`);
  if (key.localEpoch >= LOCAL_EPOCH_MAX) {
    throw new EncryptionError(
      'ErrLocalEpochExhausted',
      `local_epoch of active ${purpose} DEK ${id} is 0xFFFF; rotate the DEK`,
    );
  }
  const epoch = key.localEpoch + 1;
  const keys = new Map(sidecar.keys);
  keys.set(id, { ...key, localEpoch: epoch });
  const next: Sidecar = { ...sidecar, keys };
  await writeSidecar(path, next, options);
  return { sidecar: next, epoch };
}
