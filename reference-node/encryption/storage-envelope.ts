/**
 * The storage envelope over MVCC values (spec §2.3–§2.5), as functions over
 * (value header, pebble key, body) so the MVCC layer can call them on its own
 * records. Tombstones are never encrypted; one key may hold cleartext and
 * encrypted versions side by side, and reads dispatch per version on the header.
 */
import { assertSealable, openAead, sealAead } from './aead.js';
import { storageAad } from './aad.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  ENVELOPE_CIPHERTEXT_OFFSET,
  ENVELOPE_NONCE_OFFSET,
  ENVELOPE_OVERHEAD_BYTES,
  ENVELOPE_VERSION,
} from './envelope.js';
import { EncryptionError } from './errors.js';
import type { Keystore } from './keystore.js';
import type { NonceSource } from './nonce-factory.js';
import {
  decodeValueHeader,
  encodeValueHeader,
  ENCRYPTION_STATE_CLEARTEXT,
  ENCRYPTION_STATE_ENVELOPE,
} from './value-header.js';

/** A stored MVCC value split into its header and body. */
export interface StoredValue {
  /** The exact 9-byte header written to disk. */
  readonly header: Uint8Array;
  /** Plaintext (state 00) or envelope bytes (state 01). */
  readonly body: Uint8Array;
}

/** What a successful read yields; visibility (tombstone, TTL) is checked by the caller *after* this. */
export interface DecodedValue {
  readonly tombstone: boolean;
  readonly expireAt: bigint;
  /** Never null; an empty plaintext is a non-null empty array. */
  readonly value: Uint8Array;
  /** True if the version was stored as a storage envelope. */
  readonly encrypted: boolean;
}

/** A value stored cleartext (state 00); tombstones always take this path with an empty body. */
export function encodeCleartextValue(parts: {
  readonly tombstone: boolean;
  readonly expireAt: bigint;
  readonly plaintext: Uint8Array;
}): StoredValue {
  return {
    header: encodeValueHeader({
      tombstone: parts.tombstone,
      encryptionState: ENCRYPTION_STATE_CLEARTEXT,
      expireAt: parts.expireAt,
    }),
    body: parts.tombstone ? new Uint8Array(0) : parts.plaintext,
  };
}

/**
 * Encrypt a live value under DEK `keyId` with the next nonce of `nonces`:
 * header flags 0x02 (tombstone 0, state 01), AAD binds that header and the pebble key.
 */
export function encryptStorageValue(parts: {
  readonly keystore: Keystore | null;
  readonly nonces: NonceSource;
  readonly keyId: number;
  readonly pebbleKey: Uint8Array;
  readonly expireAt: bigint;
  readonly plaintext: Uint8Array;
}): StoredValue {
  const header = encodeValueHeader({
    tombstone: false,
    encryptionState: ENCRYPTION_STATE_ENVELOPE,
    expireAt: parts.expireAt,
  });
  const flag = 0;
  const aad = storageAad({
    version: ENVELOPE_VERSION,
    flag,
    keyId: parts.keyId,
    valueHeader: header,
    pebbleKey: parts.pebbleKey,
  });
  // Validate the key before consuming a nonce, so a refused write burns no counter value.
  assertSealable(parts.keystore, parts.keyId);
  const nonce = parts.nonces.next();
  const sealed = sealAead(parts.keystore, parts.keyId, nonce, parts.plaintext, aad);
  return { header, body: encodeEnvelope({ flag, keyId: parts.keyId, nonce, sealed }) };
}

/**
 * Read one stored version (spec §2.5). State 01: decrypt with the AAD rebuilt
 * from the on-disk header; a tag mismatch is ErrEncryptedReadIntegrity
 * (wrapping ErrIntegrity), an unknown key ErrUnknownKeyID — never "not found".
 * State 00: the rebadge guard, then the body as cleartext.
 */
export function decryptStorageValue(parts: {
  readonly keystore: Keystore | null;
  readonly header: Uint8Array;
  readonly pebbleKey: Uint8Array;
  readonly body: Uint8Array;
}): DecodedValue {
  const header = decodeValueHeader(parts.header);
  const onDiskHeader = parts.header.subarray(0, 9);
  if (header.encryptionState === ENCRYPTION_STATE_CLEARTEXT) {
    rebadgeGuard(parts.keystore, parts.body, parts.pebbleKey, header.expireAt);
    return { tombstone: header.tombstone, expireAt: header.expireAt, value: parts.body, encrypted: false };
  }
  if (parts.keystore === null)
    throw new EncryptionError(
      'ErrEncryptedValueNoCipher',
      'value is stored encrypted but this node has no storage cipher',
    );
  const envelope = decodeEnvelope(parts.body);
  const aad = storageAad({
    version: envelope.version,
    flag: envelope.flag,
    keyId: envelope.keyId,
    valueHeader: onDiskHeader,
    pebbleKey: parts.pebbleKey,
  });
  let plaintext: Uint8Array;
  try {
    plaintext = openAead(parts.keystore, envelope.keyId, envelope.nonce, envelope.sealed, aad);
  } catch (err) {
    if (err instanceof EncryptionError && err.errorName === 'ErrIntegrity') {
      throw new EncryptionError(
        'ErrEncryptedReadIntegrity',
        `stored value under key id ${envelope.keyId} failed authentication`,
        { cause: err },
      );
    }
    throw err;
  }
  return {
    tombstone: header.tombstone,
    expireAt: header.expireAt,
    value: plaintext.length === 0 ? new Uint8Array(0) : plaintext,
    encrypted: true,
  };
}

/**
 * A state-00 body of envelope size might be an envelope whose header was
 * flipped 01 → 00 by an attacker. Try every loaded DEK and expireAt ∈
 * {on-disk, 0} with the AAD of a fresh encrypt (version 1, flag 0, tombstone
 * false, state 01); any verification means tampering. If the attacker also
 * corrupted the ciphertext this misses it (documented residual gap), and the
 * read returns garbage, never the original plaintext.
 */
function rebadgeGuard(
  keystore: Keystore | null,
  body: Uint8Array,
  pebbleKey: Uint8Array,
  onDiskExpireAt: bigint,
): void {
  if (keystore === null || body.length < ENVELOPE_OVERHEAD_BYTES) return;
  const nonce = body.subarray(ENVELOPE_NONCE_OFFSET, ENVELOPE_CIPHERTEXT_OFFSET);
  const sealed = body.subarray(ENVELOPE_CIPHERTEXT_OFFSET);
  const expiries = onDiskExpireAt === 0n ? [0n] : [onDiskExpireAt, 0n];
  for (const keyId of keystore.ids()) {
    for (const expireAt of expiries) {
      const valueHeader = encodeValueHeader({ tombstone: false, encryptionState: ENCRYPTION_STATE_ENVELOPE, expireAt });
      const aad = storageAad({ version: ENVELOPE_VERSION, flag: 0, keyId, valueHeader, pebbleKey });
      let verified = false;
      try {
        openAead(keystore, keyId, nonce, sealed, aad);
        verified = true;
      } catch {
        // Not an envelope under this key/expiry: keep looking.
      }
      if (verified)
        throw new EncryptionError(
          'ErrEncryptedReadIntegrity',
          `cleartext-badged value verifies as an envelope under key id ${keyId} (rebadged 01 → 00)`,
        );
    }
  }
}
