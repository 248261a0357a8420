/**
 * The storage write decision (spec §2.4): encrypt iff a cipher is wired, an
 * active storage DEK exists, the Phase-1 flag is on, and — on the direct
 * (self-originated, non-Raft) path only — this node is a registered writer.
 * The FSM-apply path is never gated on registration (gating it could halt or
 * deadlock a node whose own registration sits later in the log).
 */
import { EncryptionError } from './errors.js';
import type { StateCache } from './state-cache.js';

/** Where a write comes from. */
export type StorageWritePath = 'apply' | 'direct';

/** Cleartext (state 00) or encrypt under `keyId`. */
export type StorageWriteDecision = { readonly encrypt: false } | { readonly encrypt: true; readonly keyId: number };

/**
 * Decide how to store a live value. Throws the retryable ErrWriterNotRegistered
 * for an unregistered direct write, before any nonce is consumed.
 */
export function decideStorageWrite(parts: {
  readonly cipherWired: boolean;
  readonly state: StateCache;
  readonly path: StorageWritePath;
}): StorageWriteDecision {
  const keyId = parts.state.activeStorageDekId;
  if (!parts.cipherWired || keyId === 0 || !parts.state.storageEnvelopeActive) return { encrypt: false };
  if (parts.path === 'direct' && !parts.state.registered()) {
    throw new EncryptionError(
      'ErrWriterNotRegistered',
      `direct write refused: not yet a registered writer for storage DEK ${keyId}`,
    );
  }
  return { encrypt: true, keyId };
}
