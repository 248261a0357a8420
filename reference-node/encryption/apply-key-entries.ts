/**
 * Apply of the entries that bring DEKs in: 0x04 bootstrap and 0x05/0x01
 * rotate-dek (spec §5.3). Both are replay-idempotent.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  advanceAppliedIndex,
  createdTimestamp,
  halt,
  loadSidecar,
  persistSidecar,
  requireKeyed,
  type ApplyDetail,
  type EncryptionApplierDeps,
} from './applier-context.js';
import type { BootstrapEntry, RotationEntry } from './fsm-wire.js';
import type { SidecarKey } from './sidecar-codec.js';
import { applyRegistration, type WriterRegistration } from './writer-registry.js';

/** Apply a registration and halt on collision/rollback. */
export async function registerOrHalt(deps: EncryptionApplierDeps, reg: WriterRegistration): Promise<void> {
  const outcome = await applyRegistration(deps.rows, reg, deps.bugs ?? new Set());
  if (outcome.halt) halt(`writer registration ${outcome.case}`, outcome.error);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Bootstrap: validate, idempotency check, unwrap+Set both DEKs, write the sidecar, then the batch rows. */
export async function applyBootstrap(
  deps: EncryptionApplierDeps,
  entry: BootstrapEntry,
  raftIdx: number,
): Promise<ApplyDetail> {
  const { kek, keystore, sidecarPath } = requireKeyed(deps);
  if (entry.storageDekId === entry.raftDekId) halt(`bootstrap storage and raft DEK ids are both ${entry.storageDekId}`);
  for (const row of entry.batch) {
    if (row.dekId !== entry.storageDekId && row.dekId !== entry.raftDekId)
      halt(`bootstrap batch row for DEK ${row.dekId} names neither bootstrap DEK`);
  }
  const sidecar = await loadSidecar(sidecarPath);
  const replay = sidecar.active.storage !== 0 || sidecar.active.raft !== 0;
  if (replay) {
    // A true replay carries the same ids and the same wrapped bytes; a second bootstrap with other material halts.
    const storedStorage = sidecar.keys.get(entry.storageDekId);
    const storedRaft = sidecar.keys.get(entry.raftDekId);
    const same =
      sidecar.active.storage === entry.storageDekId &&
      sidecar.active.raft === entry.raftDekId &&
      storedStorage !== undefined &&
      storedRaft !== undefined &&
      sameBytes(storedStorage.wrapped, entry.wrappedStorage) &&
      sameBytes(storedRaft.wrapped, entry.wrappedRaft);
    if (!same)
      halt(
        `bootstrap (storage ${entry.storageDekId}, raft ${entry.raftDekId}) conflicts with the bootstrapped state (storage ${sidecar.active.storage}, raft ${sidecar.active.raft})`,
      );
  }
  try {
    keystore.set(entry.storageDekId, kek.unwrapDek(entry.wrappedStorage));
    keystore.set(entry.raftDekId, kek.unwrapDek(entry.wrappedRaft));
  } catch (err) {
    halt('bootstrap DEK unwrap or keystore load failed', err);
  }
  const created = createdTimestamp(deps);
  const keys = new Map(sidecar.keys);
  // On replay keep the existing entries: their local_epoch has been bumped since and must not regress to 0.
  if (!replay || !keys.has(entry.storageDekId))
    keys.set(entry.storageDekId, { purpose: 'storage', wrapped: entry.wrappedStorage, created, localEpoch: 0 });
  if (!replay || !keys.has(entry.raftDekId))
    keys.set(entry.raftDekId, { purpose: 'raft', wrapped: entry.wrappedRaft, created, localEpoch: 0 });
  await persistSidecar(
    deps,
    sidecarPath,
    advanceAppliedIndex({ ...sidecar, active: { storage: entry.storageDekId, raft: entry.raftDekId }, keys }, raftIdx),
  );
  for (const row of entry.batch) await registerOrHalt(deps, row);
  return replay ? 'bootstrap-replay' : 'bootstrap-fresh';
}

/**
 * Rotate-dek: proposer row must target the DEK; unwrap+Set; sidecar
 * active[purpose] = dek with keys[dek].local_epoch = this node's pinned epoch
 * (7b'); then the proposer row; then, for a raft DEK after the cutover,
 * re-install the wrap. Crash between sidecar and row heals through 7a/7b.
 */
export async function applyRotateDek(
  deps: EncryptionApplierDeps,
  entry: RotationEntry,
  raftIdx: number,
): Promise<ApplyDetail> {
  const { kek, keystore, sidecarPath } = requireKeyed(deps);
  if (entry.proposer.dekId !== entry.dekId)
    halt(`rotate-dek proposer row targets DEK ${entry.proposer.dekId}, entry targets ${entry.dekId}`);
  try {
    keystore.set(entry.dekId, kek.unwrapDek(entry.wrapped));
  } catch (err) {
    halt(`rotate-dek unwrap or keystore load of DEK ${entry.dekId} failed`, err);
  }
  const sidecar = await loadSidecar(sidecarPath);
  // BUG SWITCH B36: the new DEK's local_epoch is not carried into the sidecar (0), while the registry row gets the pinned epoch.
  const localEpoch = deps.bugs?.has('B36') === true ? 0 : deps.pinnedEpochs[entry.purpose];
  const key: SidecarKey = {
    purpose: entry.purpose,
    wrapped: entry.wrapped,
    created: createdTimestamp(deps),
    localEpoch,
  };
  const keys = new Map(sidecar.keys);
  keys.set(entry.dekId, key);
  const next = advanceAppliedIndex(
    { ...sidecar, active: { ...sidecar.active, [entry.purpose]: entry.dekId }, keys },
    raftIdx,
  );
  try {
    await persistSidecar(deps, sidecarPath, next);
  } catch (err) {
    halt(`rotate-dek sidecar write for DEK ${entry.dekId} failed`, err);
  }
  await registerOrHalt(deps, entry.proposer);
  // BUG SWITCH E14: the wrap is not re-installed after a raft-DEK rotation past the cutover (it keeps the old DEK).
  if (entry.purpose === 'raft' && next.raftEnvelopeCutoverIndex !== 0 && deps.bugs?.has('E14') !== true) {
    if (deps.installer === null) halt('raft DEK rotated after the cutover but no raft wrap installer is wired');
    try {
      await deps.installer(next.raftEnvelopeCutoverIndex, entry.dekId);
    } catch (err) {
      halt(`raft wrap installer failed for DEK ${entry.dekId}`, err);
    }
  }
  return 'rotate-dek';
}
