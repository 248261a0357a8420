/**
 * Writer-registry row codecs (spec §3.1).
 * Key (27 bytes): `"!encryption|writers|"(20) ‖ BE32 dek_id ‖ '|' ‖ BE16 node_id16`.
 * Value (12 bytes): `BE64 full_node_id ‖ BE16 first_seen_local_epoch ‖ BE16 last_seen_local_epoch`.
 */
import { EncryptionError } from './errors.js';

/** The raw-key prefix of every registry row (outside the MVCC namespace). */
export const REGISTRY_KEY_PREFIX = Buffer.from('!encryption|writers|', 'ascii');
/** Registry key length. */
export const REGISTRY_KEY_BYTES = REGISTRY_KEY_PREFIX.length + 4 + 1 + 2;
/** Registry value length. */
export const REGISTRY_VALUE_BYTES = 12;

/** One registry row value. */
export interface RegistryRow {
  readonly fullNodeId: bigint;
  readonly firstSeenEpoch: number;
  readonly lastSeenEpoch: number;
}

/** The raw key of the row for (dek, node_id16). */
export function encodeRegistryKey(dekId: number, nodeId16: number): Uint8Array {
  const out = Buffer.alloc(REGISTRY_KEY_BYTES);
  REGISTRY_KEY_PREFIX.copy(out, 0);
  out.writeUInt32BE(dekId, REGISTRY_KEY_PREFIX.length);
  out[REGISTRY_KEY_PREFIX.length + 4] = 0x7c; // '|'
  out.writeUInt16BE(nodeId16, REGISTRY_KEY_PREFIX.length + 5);
  return out;
}

/** Parse a registry key; ErrRegistryKeyMalformed for anything but the 27-byte layout. */
export function decodeRegistryKey(key: Uint8Array): { readonly dekId: number; readonly nodeId16: number } {
  const view = Buffer.from(key.buffer, key.byteOffset, key.length);
  if (
    view.length !== REGISTRY_KEY_BYTES ||
    !view.subarray(0, REGISTRY_KEY_PREFIX.length).equals(REGISTRY_KEY_PREFIX) ||
    view[REGISTRY_KEY_PREFIX.length + 4] !== 0x7c
  ) {
    throw new EncryptionError(
      'ErrRegistryKeyMalformed',
      `registry key of ${view.length} bytes is not the ${REGISTRY_KEY_BYTES}-byte layout`,
    );
  }
  return {
    dekId: view.readUInt32BE(REGISTRY_KEY_PREFIX.length),
    nodeId16: view.readUInt16BE(REGISTRY_KEY_PREFIX.length + 5),
  };
}

/** True if a raw key lies in the registry namespace (for snapshot/inspection filters). */
export function isRegistryKey(key: Uint8Array): boolean {
  return (
    key.length >= REGISTRY_KEY_PREFIX.length &&
    Buffer.from(key.buffer, key.byteOffset, REGISTRY_KEY_PREFIX.length).equals(REGISTRY_KEY_PREFIX)
  );
}

/** Serialise a row value. */
export function encodeRegistryValue(row: RegistryRow): Uint8Array {
  const out = Buffer.alloc(REGISTRY_VALUE_BYTES);
  out.writeBigUInt64BE(row.fullNodeId, 0);
  out.writeUInt16BE(row.firstSeenEpoch, 8);
  out.writeUInt16BE(row.lastSeenEpoch, 10);
  return out;
}

/** Parse a row value; any length other than 12 is ErrRegistryValueMalformed (which halts the apply). */
export function decodeRegistryValue(value: Uint8Array): RegistryRow {
  if (value.length !== REGISTRY_VALUE_BYTES) {
    throw new EncryptionError(
      'ErrRegistryValueMalformed',
      `registry value is ${value.length} bytes, want ${REGISTRY_VALUE_BYTES}`,
    );
  }
  const view = Buffer.from(value.buffer, value.byteOffset, value.length);
  return {
    fullNodeId: view.readBigUInt64BE(0),
    firstSeenEpoch: view.readUInt16BE(8),
    lastSeenEpoch: view.readUInt16BE(10),
  };
}
