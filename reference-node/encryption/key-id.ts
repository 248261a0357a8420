/** Key ids (spec §1.3): uint32, 0 reserved for "not bootstrapped". */
import { EncryptionError } from './errors.js';

/** Largest key id (uint32). */
export const KEY_ID_MAX = 0xffff_ffff;

/** Throws ErrReservedKeyID for 0 and ErrBadKeyID for anything that is not an integer in 1..2^32-1. */
export function assertKeyId(keyId: number, what = 'key id'): void {
  if (keyId === 0) throw new EncryptionError('ErrReservedKeyID', `${what} 0 is reserved`);
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > KEY_ID_MAX) {
    throw new EncryptionError('ErrBadKeyID', `${what} ${keyId} is not a uint32`);
  }
}
