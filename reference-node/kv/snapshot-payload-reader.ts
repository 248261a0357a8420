/**
 * Reads a store payload (layout in snapshot-payload-format.ts) in place: one
 * validating pass over the whole payload that allocates nothing per row, then
 * rows handed out one at a time as views into the payload bytes. A snapshot
 * install of millions of rows therefore never holds a decoded copy of every
 * row next to the payload.
 */
import { asLogIndex, type LogIndex } from '../raft/types.js';
import { ByteReader } from './byte-reader.js';
import { FsmDecodeError } from './fsm-decode-error.js';
import {
  SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX,
  SNAPSHOT_PAYLOAD_MAGIC,
  SnapshotPayloadError,
} from './snapshot-payload-format.js';

/** One [key, value] row; both are views into the payload bytes. */
export type SnapshotRow = readonly [Uint8Array, Uint8Array];

/** A validated store payload whose rows are read on demand. */
export interface SnapshotPayloadView {
  readonly appliedIndex: LogIndex;
  readonly maxCommitTs: bigint;
  /** A copy (small; outlives the payload bytes). */
  readonly applicationBlob: Uint8Array;
  readonly mvccRowCount: number;
  readonly rawRowCount: number;
  /** The MVCC rows in payload order; iterable any number of times. */
  readonly mvccRows: Iterable<SnapshotRow>;
  /** The raw rows in payload order; iterable any number of times. */
  readonly rawRows: Iterable<SnapshotRow>;
}

interface Section {
  readonly count: number;
  /** Offset of the first row, relative to the payload. */
  readonly start: number;
  /** Offset just past the last row. */
  readonly end: number;
}

function skipSection(reader: ByteReader, what: string): Section {
  const count = reader.u32(`${what} count`);
  const start = reader.position;
  for (let i = 0; i < count; i++) {
    reader.skipLengthPrefixed(`${what} key`, SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX);
    reader.skipLengthPrefixed(`${what} value`, SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX);
  }
  return { count, start, end: reader.position };
}

function* sectionRows(payload: Uint8Array, section: Section): Generator<SnapshotRow> {
  // Already validated: these reads cannot fail.
  const reader = new ByteReader(payload.subarray(section.start, section.end));
  for (let i = 0; i < section.count; i++) {
    yield [
      reader.lengthPrefixedView('key', SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX),
      reader.lengthPrefixedView('value', SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX),
    ];
  }
}

/**
 * Validates the whole payload and returns a view of it; any malformation is
 * a {@link SnapshotPayloadError}, raised before a single row is handed out.
 * The rows stay valid as long as `payload` is not modified.
 */
export function readSnapshotPayload(payload: Uint8Array): SnapshotPayloadView {
  if (
    payload.length < SNAPSHOT_PAYLOAD_MAGIC.length ||
    !SNAPSHOT_PAYLOAD_MAGIC.every((byte, i) => payload[i] === byte)
  ) {
    throw new SnapshotPayloadError('the store payload does not start with EKVSTOR1');
  }
  try {
    const reader = new ByteReader(payload);
    reader.skipBytes(SNAPSHOT_PAYLOAD_MAGIC.length, 'magic');
    const applied = reader.u64('applied index');
    if (applied > BigInt(Number.MAX_SAFE_INTEGER))
      throw new SnapshotPayloadError(`applied index ${applied} exceeds 2^53-1`);
    const maxCommitTs = reader.u64('max commit timestamp');
    const applicationBlob = reader.lengthPrefixed('application blob', SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX);
    const mvcc = skipSection(reader, 'MVCC row');
    const raw = skipSection(reader, 'raw row');
    reader.end('store payload');
    return {
      appliedIndex: asLogIndex(Number(applied)),
      maxCommitTs,
      applicationBlob,
      mvccRowCount: mvcc.count,
      rawRowCount: raw.count,
      mvccRows: { [Symbol.iterator]: () => sectionRows(payload, mvcc) },
      rawRows: { [Symbol.iterator]: () => sectionRows(payload, raw) },
    };
  } catch (error) {
    if (error instanceof FsmDecodeError) throw new SnapshotPayloadError(error.message, { cause: error });
    throw error;
  }
}
