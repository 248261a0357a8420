/**
 * The MVCC key layout (spec §2.1): `user_key ‖ BE64(^commit_ts)`.
 *
 * The timestamp is bit-inverted so the newest version of a key sorts first.
 * User keys are not escaped, so the versions of one key are NOT contiguous
 * when another key has it as a prefix ("a" vs "ab"): readers must match the
 * user key exactly (length and bytes), never by prefix alone.
 */
import { concatBytes, encodeUint64BE, readUint64BE } from './bytes.js';
import { StorageError } from './storage-error.js';

/** Bytes of the inverted timestamp suffix. */
export const MVCC_TIMESTAMP_BYTES = 8;
const UINT64_MASK = (1n << 64n) - 1n;

/** The key of `userKey`'s version committed at `commitTs` (the AAD's pebble_key). */
export function encodeMvccKey(userKey: Uint8Array, commitTs: bigint): Uint8Array {
  return concatBytes(userKey, encodeUint64BE(~commitTs & UINT64_MASK));
}

/** Splits an MVCC key into its user key and commit timestamp. */
export function decodeMvccKey(mvccKey: Uint8Array): { readonly userKey: Uint8Array; readonly commitTs: bigint } {
  if (mvccKey.length < MVCC_TIMESTAMP_BYTES) {
    throw new StorageError('ErrMalformedRecord', `MVCC key is ${mvccKey.length} bytes, shorter than its timestamp`);
  }
  const split = mvccKey.length - MVCC_TIMESTAMP_BYTES;
  return {
    userKey: mvccKey.slice(0, split),
    commitTs: ~readUint64BE(mvccKey, split) & UINT64_MASK,
  };
}

/** The greatest possible key among `userKey`'s versions (its oldest, commit_ts 0). */
export function mvccKeyUpperBound(userKey: Uint8Array): Uint8Array {
  return encodeMvccKey(userKey, 0n);
}
