/**
 * Non-secret metadata of a stored envelope (key id and nonce fields), for the
 * offline inspection tool and the harness's nonce-reuse checker: no key is
 * needed, nothing is decrypted.
 */
import { decodeEnvelope } from './envelope.js';
import { EncryptionError } from './errors.js';
import { decodeNonce } from './nonce-factory.js';

/** What an envelope reveals without a key. */
export interface EnvelopeMetadata {
  readonly keyId: number;
  readonly flag: number;
  /** The 12 nonce bytes, hex. */
  readonly nonceHex: string;
  readonly nodeId16: number;
  readonly localEpoch: number;
  /** Decimal string (uint64 does not fit a JSON number). */
  readonly writeCount: string;
  /** Bytes of ciphertext ‖ tag. */
  readonly sealedBytes: number;
}

/** Metadata of an envelope, or null when the bytes are not a well-formed v1 envelope. */
export function envelopeMetadata(bytes: Uint8Array): EnvelopeMetadata | null {
  try {
    const envelope = decodeEnvelope(bytes);
    const nonce = decodeNonce(envelope.nonce);
    return {
      keyId: envelope.keyId,
      flag: envelope.flag,
      nonceHex: Buffer.from(envelope.nonce).toString('hex'),
      nodeId16: nonce.nodeId16,
      localEpoch: nonce.localEpoch,
      writeCount: nonce.writeCount.toString(),
      sealedBytes: envelope.sealed.length,
    };
  } catch (err) {
    if (err instanceof EncryptionError) return null;
    throw err;
  }
}
