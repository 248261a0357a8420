/**
 * Stored rows as inspection lines: MVCC versions (spec §2.1: key layout,
 * 9-byte value header, envelope key id and nonce) and raw rows (the writer
 * registry of spec §3.1). The bytes are read as stored: nothing is
 * decrypted, and a value's bytes are shown only when asked for and only when
 * the record is cleartext.
 */
import { decodeMvccKey, decodeValueHeader, VALUE_HEADER_BYTES } from '../storage/index.js';
import { decodeRegistryKey, decodeRegistryValue, isRegistryKey } from '../encryption/index.js';
import { envelopeFields } from './envelope-fields.js';
import type { MvccRecord, RawRecord, RegistryRecord } from '../proto/inspect-records.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Options of {@link describeMvccRow}. */
export interface MvccRowOptions {
  readonly source: 'store' | 'snapshot';
  /** Include cleartext value bytes (`--values`). */
  readonly values: boolean;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** UTF-8 text of `bytes`, or null when they are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function keyFields(
  mvccKey: Uint8Array,
): Pick<MvccRecord, 'key' | 'keyHex' | 'commitTs'> | { readonly error: string; readonly keyHex: string } {
  try {
    const { userKey, commitTs } = decodeMvccKey(mvccKey);
    return { key: utf8OrNull(userKey), keyHex: hex(userKey), commitTs: commitTs.toString() };
  } catch (error) {
    return { keyHex: hex(mvccKey), error: errorText(error) };
  }
}

/** Describes one MVCC row `[mvcc key, stored value]` (never throws on odd bytes). */
export function describeMvccRow(mvccKey: Uint8Array, stored: Uint8Array, options: MvccRowOptions): MvccRecord {
  const flags = stored[0] ?? 0;
  // The raw bits are reported even when the header is refused (reserved state).
  const stateBits = (flags >> 1) & 0b11;
  const body = stored.subarray(Math.min(VALUE_HEADER_BYTES, stored.length));
  const keyPart = keyFields(mvccKey);
  const base = {
    kind: 'mvcc' as const,
    source: options.source,
    key: 'key' in keyPart ? keyPart.key : null,
    keyHex: keyPart.keyHex,
    commitTs: 'commitTs' in keyPart ? keyPart.commitTs : '0',
    tombstone: (flags & 0b1) === 1,
    stateBits,
    valueBytes: body.length,
  };
  let header;
  try {
    header = decodeValueHeader(stored);
  } catch (error) {
    return {
      ...base,
      expireAtMs: '0',
      encryptionState: stateBits <= 1 ? (stateBits === 1 ? 'envelope' : 'cleartext') : 'reserved',
      error: errorText(error),
    };
  }
  const record = {
    ...base,
    expireAtMs: header.expireAtMs.toString(),
    encryptionState: header.encryptionState,
    ...('error' in keyPart ? { error: keyPart.error } : {}),
  };
  if (header.encryptionState === 'envelope') {
    const envelope = envelopeFields(body, { kind: 'storage', stored, mvccKey });
    return envelope === null
      ? { ...record, error: `state-01 body of ${body.length} bytes is not a well-formed envelope` }
      : { ...record, envelope };
  }
  return options.values ? { ...record, value: utf8OrNull(body), valueHex: hex(body) } : record;
}

/** Describes one raw row: a writer-registry row, or any other raw row by length. */
export function describeRawRow(
  key: Uint8Array,
  value: Uint8Array,
  source: 'store' | 'snapshot',
): RegistryRecord | RawRecord {
  if (!isRegistryKey(key)) return { kind: 'raw', source, keyHex: hex(key), valueBytes: value.length };
  try {
    const { dekId, nodeId16 } = decodeRegistryKey(key);
    const row = decodeRegistryValue(value);
    return {
      kind: 'registry',
      source,
      dekId,
      nodeId16,
      fullNodeId: row.fullNodeId.toString(),
      firstSeenLocalEpoch: row.firstSeenEpoch,
      lastSeenLocalEpoch: row.lastSeenEpoch,
    };
  } catch (error) {
    return { kind: 'raw', source, keyHex: hex(key), valueBytes: value.length, error: errorText(error) };
  }
}
