/**
 * Apply of the two one-way cutover markers, 0x05/0x04 enable-storage-envelope
 * and 0x05/0x05 enable-raft-envelope (spec §5.3), with every benign no-op.
 * Bug switches B13, B15, B16, B17 are marked where they deviate.
 */
import {
  advanceAppliedIndex,
  halt,
  loadSidecar,
  persistSidecar,
  requireKeyed,
  type ApplyDetail,
  type EncryptionApplierDeps,
} from './applier-context.js';
import { registerOrHalt } from './apply-key-entries.js';
import type { RotationEntry } from './fsm-wire.js';
import type { DekPurpose } from './sidecar-codec.js';

function validateMarkerShape(
  deps: EncryptionApplierDeps,
  entry: RotationEntry,
  purpose: DekPurpose,
  what: string,
): void {
  if (entry.purpose !== purpose) halt(`${what} carries purpose ${entry.purpose}, want ${purpose}`);
  // BUG SWITCH B16: the historical `Wrapped == nil` check; the decoder returns an empty array, so every valid marker halts.
  const wrappedPresent = deps.bugs?.has('B16') === true ? entry.wrapped !== null : entry.wrapped.length !== 0;
  if (wrappedPresent) halt(`${what} carries ${entry.wrapped.length} wrapped bytes, want none`);
  if (entry.proposer.dekId !== entry.dekId)
    halt(`${what} proposer row targets DEK ${entry.proposer.dekId}, entry targets ${entry.dekId}`);
}

function staleDek(deps: EncryptionApplierDeps, what: string, dekId: number, activeId: number): void {
  // BUG SWITCH B17: halt on a stale-DEK marker instead of the benign no-op (a RotateDEK won the race).
  if (deps.bugs?.has('B17') === true) halt(`${what} names DEK ${dekId} but the active DEK is ${activeId}`);
}

/**
 * Enable-storage-envelope. Stale DEK → benign no-op (advance, write). Already
 * active → advance only, keep the original cutover index, skip the row. Fresh
 * → proposer row FIRST, then one sidecar write flipping the flag (the flip is
 * the replay marker, so the row must already be durable), then the cache.
 */
export async function applyEnableStorageEnvelope(
  deps: EncryptionApplierDeps,
  entry: RotationEntry,
  raftIdx: number,
): Promise<ApplyDetail> {
  const { sidecarPath } = requireKeyed(deps);
  validateMarkerShape(deps, entry, 'storage', 'enable-storage-envelope');
  const sidecar = await loadSidecar(sidecarPath);
  if (entry.dekId !== sidecar.active.storage) {
    staleDek(deps, 'enable-storage-envelope', entry.dekId, sidecar.active.storage);
    await persistSidecar(deps, sidecarPath, advanceAppliedIndex(sidecar, raftIdx));
    return 'storage-cutover-stale-dek';
  }
  if (sidecar.storageEnvelopeActive) {
    await persistSidecar(deps, sidecarPath, advanceAppliedIndex(sidecar, raftIdx));
    return 'storage-cutover-already-active';
  }
  const flipped = advanceAppliedIndex(
    { ...sidecar, storageEnvelopeActive: true, storageEnvelopeCutoverIndex: raftIdx },
    raftIdx,
  );
  // BUG SWITCH B15: flip the sidecar before the proposer registration (a crash in between loses the row forever).
  if (deps.bugs?.has('B15') === true) {
    await persistSidecar(deps, sidecarPath, flipped);
    await registerOrHalt(deps, entry.proposer);
    return 'storage-cutover-fresh';
  }
  await registerOrHalt(deps, entry.proposer);
  await persistSidecar(deps, sidecarPath, flipped);
  return 'storage-cutover-fresh';
}

/**
 * Enable-raft-envelope. `cutover != 0` is checked FIRST (already active:
 * advance, write, install the wrap for the recorded cutover and the CURRENT
 * active.raft — also on replay after a later raft rotation). Then a stale DEK
 * is a benign no-op without a wrap. Fresh: row first, record the cutover,
 * write, then install (after the fsync: a crash in between re-installs at startup).
 */
export async function applyEnableRaftEnvelope(
  deps: EncryptionApplierDeps,
  entry: RotationEntry,
  raftIdx: number,
): Promise<ApplyDetail> {
  // BUG SWITCH E1: the engine hands the applier no index (0) and nothing objects: the cutover is recorded as 0.
  const cutoverIdx = deps.bugs?.has('E1') === true ? 0 : raftIdx;
  if (cutoverIdx === 0 && deps.bugs?.has('E1') !== true) halt('enable-raft-envelope applied without a log index');
  const { sidecarPath } = requireKeyed(deps);
  validateMarkerShape(deps, entry, 'raft', 'enable-raft-envelope');
  const sidecar = await loadSidecar(sidecarPath);
  // BUG SWITCH B13: check the stale DEK before "already active", so a replay after a raft rotation skips the install.
  const staleFirst = deps.bugs?.has('B13') === true;
  if (staleFirst && entry.dekId !== sidecar.active.raft) {
    await persistSidecar(deps, sidecarPath, advanceAppliedIndex(sidecar, raftIdx));
    return 'raft-cutover-stale-dek';
  }
  if (sidecar.raftEnvelopeCutoverIndex !== 0) {
    await persistSidecar(deps, sidecarPath, advanceAppliedIndex(sidecar, raftIdx));
    await install(deps, sidecar.raftEnvelopeCutoverIndex, sidecar.active.raft);
    return 'raft-cutover-already-active';
  }
  if (entry.dekId !== sidecar.active.raft) {
    staleDek(deps, 'enable-raft-envelope', entry.dekId, sidecar.active.raft);
    await persistSidecar(deps, sidecarPath, advanceAppliedIndex(sidecar, raftIdx));
    return 'raft-cutover-stale-dek';
  }
  await registerOrHalt(deps, entry.proposer);
  await persistSidecar(
    deps,
    sidecarPath,
    advanceAppliedIndex({ ...sidecar, raftEnvelopeCutoverIndex: cutoverIdx }, raftIdx),
  );
  // BUG SWITCH E1: with cutover 0 there is nothing to install; every replay re-enters this fresh branch.
  if (cutoverIdx !== 0) await install(deps, cutoverIdx, sidecar.active.raft);
  return 'raft-cutover-fresh';
}

async function install(deps: EncryptionApplierDeps, cutoverIndex: number, raftDekId: number): Promise<void> {
  if (deps.installer === null) halt('raft cutover applied but no raft wrap installer is wired');
  try {
    await deps.installer(cutoverIndex, raftDekId);
  } catch (err) {
    halt(`raft wrap installer failed for cutover ${cutoverIndex}, DEK ${raftDekId}`, err);
  }
}
