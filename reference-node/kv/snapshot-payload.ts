/**
 * The store payload that follows the snapshot header:
 *
 * ```
 * "EKVSTOR1" ‖ BE64 applied_index ‖ BE64 max_commit_ts ‖ BE32 len ‖ application_blob
 *   ‖ BE32 mvcc_count ‖ mvcc_count × (BE32 len ‖ key ‖ BE32 len ‖ stored_value)
 *   ‖ BE32 raw_count  ‖ raw_count  × (BE32 len ‖ key ‖ BE32 len ‖ value)
 * ```
 *
 * MVCC values are copied byte for byte (header included), so encrypted
 * bodies travel as ciphertext. The application blob is opaque here (the
 * server keeps its peer address book in it).
 */
import { asLogIndex } from '../raft/types.js';
import { concatBytes, encodeUint64BE, type StateContents } from '../storage/index.js';
import { ByteReader } from './byte-reader.js';
import { FsmDecodeError } from './fsm-decode-error.js';

const MAGIC = new TextEncoder().encode('EKVSTOR1');
const FIELD_BYTES_MAX = 0x7fff_ffff;

/** A store payload that does not parse. */
export class SnapshotPayloadError extends Error {
  readonly code = 'ErrSnapshotPayloadMalformed';

  constructor(message: string, options?: { cause?: unknown }) {
    super(`ErrSnapshotPayloadMalformed: ${message}`, options);
    this.name = 'SnapshotPayloadError';
  }
}

/** Store contents plus the server's opaque blob. */
export interface SnapshotPayload {
  readonly contents: StateContents;
  readonly applicationBlob: Uint8Array;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

function encodeRows(rows: readonly (readonly [Uint8Array, Uint8Array])[]): Uint8Array[] {
  const parts: Uint8Array[] = [u32(rows.length)];
  for (const [key, value] of rows) parts.push(u32(key.length), key, u32(value.length), value);
  return parts;
}

/** Encodes the store payload. */
export function encodeSnapshotPayload(payload: SnapshotPayload): Uint8Array {
  const { contents } = payload;
  return concatBytes(
    MAGIC,
    encodeUint64BE(BigInt(contents.appliedIndex)),
    encodeUint64BE(contents.maxCommitTs),
    u32(payload.applicationBlob.length),
    payload.applicationBlob,
    ...encodeRows(contents.mvccRows),
    ...encodeRows(contents.rawRows),
  );
}

function decodeRows(reader: ByteReader, what: string): [Uint8Array, Uint8Array][] {
  const count = reader.u32(`${what} count`);
  const rows: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < count; i++) {
    rows.push([reader.lengthPrefixed(`${what} key`, FIELD_BYTES_MAX), reader.lengthPrefixed(`${what} value`, FIELD_BYTES_MAX)]);
  }
  return rows;
}

/** Decodes a store payload; any malformation is a {@link SnapshotPayloadError}. */
export function decodeSnapshotPayload(bytes: Uint8Array): SnapshotPayload {
  if (bytes.length < MAGIC.length || !MAGIC.every((byte, i) => bytes[i] === byte)) {
    throw new SnapshotPayloadError('the store payload does not start with EKVSTOR1');
  }
  try {
    const reader = new ByteReader(bytes.subarray(MAGIC.length));
    const applied = reader.u64('applied index');
    if (applied > BigInt(Number.MAX_SAFE_INTEGER)) throw new SnapshotPayloadError(`applied index ${applied} exceeds 2^53-1`);
    const maxCommitTs = reader.u64('max commit timestamp');
    const applicationBlob = reader.lengthPrefixed('application blob', FIELD_BYTES_MAX);
    const mvccRows = decodeRows(reader, 'MVCC row');
    const rawRows = decodeRows(reader, 'raw row');
    reader.end('store payload');
    return { contents: { appliedIndex: asLogIndex(Number(applied)), maxCommitTs, mvccRows, rawRows }, applicationBlob };
  } catch (error) {
    if (error instanceof FsmDecodeError) throw new SnapshotPayloadError(error.message, { cause: error });
    throw error;
  }
}
