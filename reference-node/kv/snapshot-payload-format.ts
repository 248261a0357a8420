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
 *
 * A payload can hold millions of rows: it is built row by row
 * (snapshot-payload-builder.ts) and read in place (snapshot-payload-reader.ts),
 * never through a per-row array of parts or a spread call.
 */

/** The first 8 bytes of every store payload. */
export const SNAPSHOT_PAYLOAD_MAGIC: Uint8Array = new TextEncoder().encode('EKVSTOR1');
/** Largest key, value or blob one length prefix may announce. */
export const SNAPSHOT_PAYLOAD_FIELD_BYTES_MAX = 0x7fff_ffff;

/** A store payload that does not parse. */
export class SnapshotPayloadError extends Error {
  readonly code = 'ErrSnapshotPayloadMalformed';

  constructor(message: string, options?: { cause?: unknown }) {
    super(`ErrSnapshotPayloadMalformed: ${message}`, options);
    this.name = 'SnapshotPayloadError';
  }
}
