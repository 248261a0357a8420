/**
 * The replicated writer registry (spec §3): raw rows keyed by (DEK, node_id16)
 * and the apply-time dispatch of `ApplyRegistration` in the code's order.
 */
import { EncryptionError } from './errors.js';
import { nodeId16 } from './node-identity.js';
import { decodeRegistryValue, encodeRegistryKey, encodeRegistryValue, type RegistryRow } from './registry-codec.js';

/** The node's raw (non-MVCC) row store for registry rows: no timestamp, no TTL, never GC'd; included in snapshots. */
export interface RawRowStore {
  /** The row, or null/undefined when absent (either convention is accepted). */
  get(key: Uint8Array): Promise<Uint8Array | null | undefined>;
  /** Durable write: resolves only after the row is synced. */
  putSynced(key: Uint8Array, value: Uint8Array): Promise<void>;
}

/** One writer registration: DEK, full node id, local_epoch. */
export interface WriterRegistration {
  readonly dekId: number;
  readonly fullNodeId: bigint;
  readonly localEpoch: number;
}

/** How a registration applied; `halt` outcomes stop the apply loop on every replica. */
export type RegistrationOutcome =
  | { readonly halt: false; readonly case: 'insert' | 'replay' | 'advance' }
  | { readonly halt: true; readonly case: 'collision' | 'rollback'; readonly error: EncryptionError };

/** The row for (dek, node_id16(full)), or undefined. ErrRegistryValueMalformed for a bad row. */
export async function readRegistryRow(
  rows: RawRowStore,
  dekId: number,
  full: bigint,
): Promise<RegistryRow | undefined> {
  const raw = await rows.get(encodeRegistryKey(dekId, nodeId16(full)));
  return raw === undefined || raw === null ? undefined : decodeRegistryValue(raw);
}

/**
 * `ApplyRegistration(dek, full, epoch)` (spec §3.2), in the code's order:
 * no row → insert; other full id → halt (collision); equal epoch → no-op
 * (replay after restart must not halt); lower → halt (rollback); higher →
 * advance `last`, keep `first`. Bug switch B1 makes equality a rollback.
 */
export async function applyRegistration(
  rows: RawRowStore,
  reg: WriterRegistration,
  bugs: ReadonlySet<string>,
): Promise<RegistrationOutcome> {
  const key = encodeRegistryKey(reg.dekId, nodeId16(reg.fullNodeId));
  const raw = await rows.get(key);
  if (raw === undefined || raw === null) {
    await rows.putSynced(
      key,
      encodeRegistryValue({
        fullNodeId: reg.fullNodeId,
        firstSeenEpoch: reg.localEpoch,
        lastSeenEpoch: reg.localEpoch,
      }),
    );
    return { halt: false, case: 'insert' };
  }
  const row = decodeRegistryValue(raw);
  if (row.fullNodeId !== reg.fullNodeId) {
    return halt(
      'collision',
      `node_id16 ${nodeId16(reg.fullNodeId)} of full id ${reg.fullNodeId} is registered to full id ${row.fullNodeId} for DEK ${reg.dekId} (ErrNodeIDCollision)`,
    );
  }
  // BUG SWITCH B1: treat an equal-epoch replay as a rollback (the pre-fix halt loop).
  const equalIsRollback = bugs.has('B1');
  if (reg.localEpoch === row.lastSeenEpoch && !equalIsRollback) return { halt: false, case: 'replay' };
  if (reg.localEpoch <= row.lastSeenEpoch) {
    return halt(
      'rollback',
      `local_epoch ${reg.localEpoch} of full id ${reg.fullNodeId} is below last_seen ${row.lastSeenEpoch} for DEK ${reg.dekId} (ErrLocalEpochRollback)`,
    );
  }
  await rows.putSynced(key, encodeRegistryValue({ ...row, lastSeenEpoch: reg.localEpoch }));
  return { halt: false, case: 'advance' };
}

function halt(which: 'collision' | 'rollback', message: string): RegistrationOutcome {
  return { halt: true, case: which, error: new EncryptionError('ErrEncryptionApply', `registry ${which}: ${message}`) };
}
