/**
 * Conf-change-time pre-registration (spec §3.4 (f), 7c; §7.10 [CODE]): before
 * the leader proposes AddVoter or AddLearner, and once bootstrap happened, it
 * registers the new member for the active storage DEK and then the active
 * raft DEK at epoch 0:
 * - a row at (dek, node16(new)) with the same full id → skip (idempotent retry);
 * - a row with another full id → refuse with ErrWriterUint16Collision,
 *   nothing proposed (letting it through would halt every replica on apply);
 * - no row → propose (dek, new full id, 0) and wait until it applied.
 * Only then is the conf change proposed. The new member's first start bumps
 * 0 → 1 and re-registers ("advance"). No capability probe of the candidate
 * and no registration of non-active DEKs: the [CODE] behaviour, not [DOC].
 * Two concurrent adds whose ids collide can both read "absent" (the spec's
 * TOCTOU window); the second registration then halts on apply.
 */
import { encodeRegistrationEntry, fullNodeId, readRegistryRow, readSidecar } from '../encryption/index.js';
import { NodeError } from '../proto/index.js';
import type { EncryptionRuntime } from './encryption-startup.js';
import type { Logger } from './logger.js';

/** What the interceptor needs from the node. */
export interface MemberPreRegistrationDeps {
  readonly runtime: Pick<EncryptionRuntime, 'rows' | 'sidecarPath'>;
  readonly core: {
    isLeader(): boolean;
    linearizableRead(): Promise<unknown>;
    proposeAdmin(payload: Uint8Array): Promise<{ readonly index: number }>;
  };
  readonly logger: Logger;
  /** Catalogued bugs (B37 here). */
  readonly bugs?: ReadonlySet<string>;
}

/** The interceptor the RaftAdmin service runs before AddVoter / AddLearner on the leader. */
export function memberPreRegistration(deps: MemberPreRegistrationDeps): (memberId: string) => Promise<void> {
  return async (memberId) => {
    // Not leading: the membership change itself refuses with NotLeader.
    if (!deps.core.isLeader()) return;
    // The registry and the sidecar read below are as of a confirmed leadership point.
    await deps.core.linearizableRead();
    const sidecar = await readSidecar(deps.runtime.sidecarPath);
    if (sidecar === null || sidecar.active.storage === 0) return;
    const full = fullNodeId(memberId);
    for (const dekId of [sidecar.active.storage, sidecar.active.raft]) {
      if (dekId === 0) continue;
      const row = await readRegistryRow(deps.runtime.rows, dekId, full);
      if (row !== undefined && row.fullNodeId === full) continue;
      // BUG SWITCH B37: no read-before-propose collision check; the collision is found by the apply, which halts every replica.
      if (row !== undefined && deps.bugs?.has('B37') !== true) {
        throw new NodeError(
          'EncryptionFailedPrecondition',
          `ErrWriterUint16Collision: ${memberId} (full id ${full}) shares its 16-bit node id with registered writer ${row.fullNodeId} for DEK ${dekId}; nothing was proposed`,
        );
      }
      const applied = await deps.core.proposeAdmin(encodeRegistrationEntry({ dekId, fullNodeId: full, localEpoch: 0 }));
      deps.logger.info(
        { member: memberId, dekId, index: applied.index },
        'new member pre-registered as a writer at epoch 0 (7c)',
      );
    }
  };
}
