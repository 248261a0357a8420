/**
 * The startup refusal guards of spec §8.2 as functions over injected state,
 * in the order the startup sequence (§8.1) calls them. Each refuses with its
 * named error; the server turns that into a non-zero exit.
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EncryptionError } from './errors.js';
import type { Kek } from './kek-file.js';
import { LOCAL_EPOCH_MAX } from './key-lifecycle.js';
import { nodeId16 } from './node-identity.js';
import { isEncryptionRelevantPayload } from './encryption-relevant.js';
import { probeSidecarFilesystem, readSidecar, type SidecarFsyncIo } from './sidecar-file.js';
import type { Sidecar } from './sidecar-codec.js';
import { readRegistryRow, type RawRowStore } from './writer-registry.js';

/** Inputs of {@link checkStartupGuards}. */
export interface StartupGuardInput {
  readonly encryptionEnabled: boolean;
  readonly kekFile: string;
  readonly sidecarPath: string;
  readonly loadKek: (path: string) => Promise<Kek>;
  readonly io?: SidecarFsyncIo;
  /** Catalogued-bug switches (B27 skips the downgrade guard). */
  readonly bugs?: ReadonlySet<string>;
}

/**
 * Phase 2 of startup (`CheckStartupGuards`): ErrSidecarPresentWithoutFlag,
 * ErrKEKRequiredWithFlag (precedes sidecar read errors), the filesystem probe
 * (ErrUnsupportedFilesystem), ErrKEKMismatch (ascending ids),
 * ErrLocalEpochExhausted. Reads the sidecar at most once and returns it.
 */
export async function checkStartupGuards(
  input: StartupGuardInput,
): Promise<{ readonly kek: Kek | null; readonly sidecar: Sidecar | null }> {
  if (!input.encryptionEnabled) {
    // BUG SWITCH B27: no downgrade guard — a node without the flag starts over an existing sidecar.
    const downgradeGuard = input.bugs?.has('B27') !== true;
    if (downgradeGuard && input.sidecarPath !== '' && (await readSidecarPresence(input.sidecarPath))) {
      throw new EncryptionError(
        'ErrSidecarPresentWithoutFlag',
        `sidecar ${input.sidecarPath} exists but --encryption-enabled is off`,
      );
    }
    return { kek: null, sidecar: null };
  }
  if (input.kekFile === '')
    throw new EncryptionError('ErrKEKRequiredWithFlag', '--encryption-enabled needs --kek-file');
  const kek = await input.loadKek(input.kekFile);
  if (input.sidecarPath === '') return { kek, sidecar: null };
  await probeSidecarFilesystem(dirname(input.sidecarPath), input.io);
  const sidecar = await readSidecar(input.sidecarPath);
  if (sidecar === null) return { kek, sidecar: null };
  for (const id of [...sidecar.keys.keys()].sort((a, b) => a - b)) {
    try {
      kek.unwrapDek(sidecar.keys.get(id)?.wrapped ?? new Uint8Array(0));
    } catch (cause) {
      throw new EncryptionError('ErrKEKMismatch', `sidecar key ${id} does not unwrap under the loaded KEK`, { cause });
    }
  }
  for (const purpose of ['storage', 'raft'] as const) {
    const key = sidecar.keys.get(sidecar.active[purpose]);
    if (key !== undefined && key.localEpoch >= LOCAL_EPOCH_MAX) {
      throw new EncryptionError(
        'ErrLocalEpochExhausted',
        `active ${purpose} DEK ${sidecar.active[purpose]} has local_epoch 0xFFFF; rotate it`,
      );
    }
  }
  return { kek, sidecar };
}

async function readSidecarPresence(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new EncryptionError('ErrSidecarIO', `cannot stat sidecar ${path}`, { cause: err });
  }
}

/** ErrNodeIDCollision: two distinct full ids among the persisted peers share node_id16 (local data only). */
export function checkNodeIdCollision(fullIds: Iterable<bigint>): void {
  const seen = new Map<number, bigint>();
  for (const full of fullIds) {
    const other = seen.get(nodeId16(full));
    if (other !== undefined && other !== full)
      throw new EncryptionError(
        'ErrNodeIDCollision',
        `full ids ${other} and ${full} share node_id16 ${nodeId16(full)}`,
      );
    seen.set(nodeId16(full), full);
  }
}

/** Which rollback check: before the bump (§8.1 step 3) or after replay (step 6). */
export type RollbackPhase = 'before-bump' | 'after-replay';

/**
 * ErrLocalEpochRollback for (active storage DEK, me). Before the bump:
 * `sidecar < last`, a missing row while the envelope is active, or a foreign
 * row refuse. After replay: `sidecar (bumped) <= last` or a foreign row
 * refuse; a missing row refuses only while the envelope is active.
 */
export async function checkLocalEpochRollback(input: {
  readonly sidecar: Sidecar;
  readonly rows: RawRowStore;
  readonly me: bigint;
  readonly phase: RollbackPhase;
  readonly bugs?: ReadonlySet<string>;
}): Promise<void> {
  // BUG SWITCH B23: the rollback guard is disabled, so a restored old sidecar reuses nonces.
  if (input.bugs?.has('B23') === true) return;
  const { sidecar, me } = input;
  const dek = sidecar.active.storage;
  const key = sidecar.keys.get(dek);
  if (dek === 0 || key === undefined) return;
  const row = await readRegistryRow(input.rows, dek, me);
  const refuse = (why: string): never => {
    throw new EncryptionError('ErrLocalEpochRollback', `storage DEK ${dek}, full id ${me}: ${why} (${input.phase})`);
  };
  if (row === undefined) {
    if (sidecar.storageEnvelopeActive) refuse('no registry row while the storage envelope is active');
    return;
  }
  if (row.fullNodeId !== me) refuse(`registry row is owned by full id ${row.fullNodeId}`);
  const behind =
    input.phase === 'before-bump' ? key.localEpoch < row.lastSeenEpoch : key.localEpoch <= row.lastSeenEpoch;
  if (behind) refuse(`sidecar local_epoch ${key.localEpoch} vs registry last_seen ${row.lastSeenEpoch}`);
}

/** Raft-DEK variant (§8.1 step 9): with the cutover active, `raft epoch <= registry last` refuses. */
export async function checkRaftEpochRollback(input: {
  readonly sidecar: Sidecar;
  readonly rows: RawRowStore;
  readonly me: bigint;
  readonly raftEpoch: number;
  readonly bugs?: ReadonlySet<string>;
}): Promise<void> {
  // BUG SWITCH B23: the rollback guard is disabled.
  if (input.bugs?.has('B23') === true) return;
  const dek = input.sidecar.active.raft;
  if (input.sidecar.raftEnvelopeCutoverIndex === 0 || dek === 0) return;
  const row = await readRegistryRow(input.rows, dek, input.me);
  // BUG SWITCH E19: a raft epoch equal to the registry's last_seen is accepted (the same epoch twice: nonce reuse).
  const behind =
    input.bugs?.has('E19') === true
      ? input.raftEpoch < (row?.lastSeenEpoch ?? 0)
      : input.raftEpoch <= (row?.lastSeenEpoch ?? 0);
  if (row !== undefined && row.fullNodeId === input.me && behind) {
    throw new EncryptionError(
      'ErrLocalEpochRollback',
      `raft DEK ${dek}: raft epoch ${input.raftEpoch} <= registry last_seen ${row.lastSeenEpoch}`,
    );
  }
}

/** Raft cutover scope (§8.1 step 4): a non-zero cutover needs active.raft != 0 and exactly one group. */
export function checkRaftCutoverScope(sidecar: Sidecar | null, shardGroups: number): void {
  if (sidecar === null || sidecar.raftEnvelopeCutoverIndex === 0) return;
  if (sidecar.active.raft === 0)
    throw new EncryptionError(
      'ErrRaftCutoverScope',
      `raft cutover ${sidecar.raftEnvelopeCutoverIndex} is set but active.raft is 0`,
    );
  if (shardGroups !== 1)
    throw new EncryptionError(
      'ErrRaftCutoverScope',
      `raft envelope requires exactly one shard group, found ${shardGroups}`,
    );
}

/** ErrEnvelopeCutoverDivergence: the snapshot header's cutover must be 0 or equal the sidecar's. */
export function checkCutoverDivergence(snapshotCutover: number, sidecarCutover: number): void {
  if (snapshotCutover !== 0 && snapshotCutover !== sidecarCutover) {
    throw new EncryptionError(
      'ErrEnvelopeCutoverDivergence',
      `snapshot header cutover ${snapshotCutover} differs from sidecar cutover ${sidecarCutover}`,
    );
  }
}

/** Reads the FSM payloads of log entries in (from, to]; throws on a compacted range (a distinct refusal). */
export type LogPayloadScanner = (
  fromExclusive: number,
  toInclusive: number,
) => AsyncIterable<{ readonly index: number; readonly payload: Uint8Array }>;

/**
 * ErrSidecarBehindRaftLog (§8.1 step 7): `sidecar.raft_applied_index <
 * engine applied` and some entry in (sidecar, engine] is encryption-relevant.
 * Skipped (returns 'skipped-legacy') when the sidecar index is 0; a missing
 * scanner fails closed. Reads payload[0] without unwrapping (hazard H2).
 */
export async function checkSidecarBehindRaftLog(input: {
  readonly sidecar: Sidecar;
  readonly engineAppliedIndex: number;
  readonly scanner: LogPayloadScanner | null;
  readonly bugs?: ReadonlySet<string>;
}): Promise<'ok' | 'skipped-legacy'> {
  const from = input.sidecar.raftAppliedIndex;
  if (from === 0) return 'skipped-legacy';
  if (from >= input.engineAppliedIndex) return 'ok';
  if (input.scanner === null)
    throw new EncryptionError('ErrSidecarBehindRaftLog', 'no raft log scanner is wired; failing closed');
  for await (const entry of input.scanner(from, input.engineAppliedIndex)) {
    // BUG SWITCH B30: a registration (0x03), which never writes the sidecar, counted as encryption relevant.
    const registrationCounted = input.bugs?.has('B30') === true && entry.payload[0] === 0x03;
    if (isEncryptionRelevantPayload(entry.payload) || registrationCounted) {
      throw new EncryptionError(
        'ErrSidecarBehindRaftLog',
        `sidecar raft_applied_index ${from} < engine applied ${input.engineAppliedIndex} and entry ${entry.index} mutates the sidecar`,
      );
    }
  }
  return 'ok';
}
