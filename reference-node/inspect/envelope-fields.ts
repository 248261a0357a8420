/**
 * The envelope part of an inspection line: key id and nonce fields, plus
 * SHA-256 digests of the ciphertext ‖ tag and of the AAD the envelope is
 * bound to (rebuilt from the stored bytes, spec §2.3 and §2.6). The digests
 * let a checker see nonce reuse — the same (key id, nonce) with different
 * ciphertext or AAD — across nodes without any key.
 */
import { createHash } from 'node:crypto';
import { decodeEnvelope, envelopeMetadata, raftAad, storageAad, VALUE_HEADER_BYTES } from '../encryption/index.js';
import type { EnvelopeFields } from '../proto/inspect-records.js';

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where an envelope is stored decides its AAD. */
export type EnvelopeSite =
  | { readonly kind: 'raft' }
  /** A state-01 MVCC value: its stored bytes (9-byte header ‖ envelope) and its MVCC key. */
  | { readonly kind: 'storage'; readonly stored: Uint8Array; readonly mvccKey: Uint8Array };

/** The fields of `envelope` (a well-formed v1 envelope), or null when it does not decode. */
export function envelopeFields(envelope: Uint8Array, site: EnvelopeSite): EnvelopeFields | null {
  const metadata = envelopeMetadata(envelope);
  if (metadata === null) return null;
  const { version, flag, keyId, sealed } = decodeEnvelope(envelope);
  const aad =
    site.kind === 'raft'
      ? raftAad(version, keyId)
      : storageAad({
          version,
          flag,
          keyId,
          valueHeader: site.stored.subarray(0, VALUE_HEADER_BYTES),
          pebbleKey: site.mvccKey,
        });
  return {
    keyId: metadata.keyId,
    nonceHex: metadata.nonceHex,
    nonceNodeId16: metadata.nodeId16,
    nonceLocalEpoch: metadata.localEpoch,
    nonceWriteCount: metadata.writeCount,
    ciphertextSha256: sha256Hex(sealed),
    aadSha256: sha256Hex(aad),
  };
}
