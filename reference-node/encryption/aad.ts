/**
 * Additional authenticated data of the two envelopes.
 * Storage (spec §2.3, follows the code): `version ‖ flag ‖ key_id BE32 ‖ value_header(9) ‖ pebble_key`.
 * Raft (spec §2.6): `'R' ‖ version ‖ key_id BE32` — no flag, no location.
 */
import { VALUE_HEADER_BYTES } from './value-header.js';

/** The raft AAD domain byte, ASCII 'R'. */
export const RAFT_AAD_DOMAIN = 0x52;

/** The storage AAD binding the envelope header, the exact on-disk value header and the pebble key. */
export function storageAad(parts: {
  readonly version: number;
  readonly flag: number;
  readonly keyId: number;
  readonly valueHeader: Uint8Array;
  readonly pebbleKey: Uint8Array;
}): Uint8Array {
  if (parts.valueHeader.length !== VALUE_HEADER_BYTES)
    throw new Error(`storage AAD: value header is ${parts.valueHeader.length} bytes, want ${VALUE_HEADER_BYTES}`);
  const out = Buffer.alloc(6 + VALUE_HEADER_BYTES + parts.pebbleKey.length);
  out[0] = parts.version & 0xff;
  out[1] = parts.flag & 0xff;
  out.writeUInt32BE(parts.keyId, 2);
  out.set(parts.valueHeader, 6);
  out.set(parts.pebbleKey, 6 + VALUE_HEADER_BYTES);
  return out;
}

/** The 6-byte raft AAD. */
export function raftAad(version: number, keyId: number): Uint8Array {
  const out = Buffer.alloc(6);
  out[0] = RAFT_AAD_DOMAIN;
  out[1] = version & 0xff;
  out.writeUInt32BE(keyId, 2);
  return out;
}
