/**
 * The operator/harness DEK helper: draw a DEK from the CSPRNG and hand out only
 * its KEK-wrapped form (base64), so nobody handles raw key bytes by hand.
 */
import { randomBytes } from 'node:crypto';
import { KEY_BYTES, type Kek } from './kek-file.js';
import { KEY_ID_MAX } from './key-id.js';
import { EncryptionError } from './errors.js';

/** A freshly generated, KEK-wrapped DEK. */
export interface WrappedDek {
  readonly wrapped: Uint8Array;
  /** Standard base64 of `wrapped`, as BootstrapEncryption / RotateDEK flags take it. */
  readonly wrappedBase64: string;
}

/** Generate a 32-byte DEK and wrap it under `kek` (the raw DEK is dropped). */
export function generateWrappedDek(kek: Kek): WrappedDek {
  const dek = randomBytes(KEY_BYTES);
  try {
    const wrapped = kek.wrapDek(dek);
    return { wrapped, wrappedBase64: Buffer.from(wrapped).toString('base64') };
  } finally {
    dek.fill(0);
  }
}

/** `max(existing ids) + 1` (rotate-on-startup's id rule); ErrKeyIDSpaceExhausted past uint32. */
export function nextDekId(existingIds: Iterable<number>): number {
  let max = 0;
  for (const id of existingIds) max = Math.max(max, id);
  if (max >= KEY_ID_MAX)
    throw new EncryptionError('ErrKeyIDSpaceExhausted', 'key id space exhausted (max id is 2^32-1)');
  return max + 1;
}
