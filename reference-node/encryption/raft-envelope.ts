/**
 * The raft envelope around an FSM payload (spec §2.6, §2.7): same layout as
 * the storage envelope with flag 0x00 and the 6-byte raft AAD. Only the inner
 * FSM payload is wrapped, never the proposal envelope `0x01 ‖ BE64 id` around it.
 */
import { assertSealable, openAead, sealAead } from './aead.js';
import { raftAad } from './aad.js';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION } from './envelope.js';
import type { Keystore } from './keystore.js';
import type { NonceSource } from './nonce-factory.js';

/** Wrap a cleartext FSM payload under raft DEK `keyId`. */
export function wrapRaftPayload(parts: {
  readonly keystore: Keystore | null;
  readonly nonces: NonceSource;
  readonly keyId: number;
  readonly payload: Uint8Array;
}): Uint8Array {
  const aad = raftAad(ENVELOPE_VERSION, parts.keyId);
  // Resolve the key first so a refused wrap consumes no nonce.
  assertSealable(parts.keystore, parts.keyId);
  const nonce = parts.nonces.next();
  const sealed = sealAead(parts.keystore, parts.keyId, nonce, parts.payload, aad);
  return encodeEnvelope({ flag: 0, keyId: parts.keyId, nonce, sealed });
}

/**
 * Unwrap a raft envelope. The flag byte is neither authenticated nor checked
 * (as in the production decoder). Errors: ErrEnvelopeShort/Version,
 * ErrUnknownKeyID, ErrIntegrity — the engine wraps them in ErrRaftUnwrapFailed.
 */
export function unwrapRaftPayload(keystore: Keystore | null, wrapped: Uint8Array): Uint8Array {
  const envelope = decodeEnvelope(wrapped);
  return openAead(keystore, envelope.keyId, envelope.nonce, envelope.sealed, raftAad(envelope.version, envelope.keyId));
}
