/**
 * The store payload of a snapshot as one value (layout in
 * snapshot-payload-format.ts): encode a {@link SnapshotPayload} built in
 * memory, or decode a payload into one. Both go through the incremental
 * builder and the in-place reader, so neither has a per-row call argument or
 * recursion; the node itself streams rows from the store into the builder
 * and installs from the reader's views, without materializing every row.
 */
import type { StateContents } from '../storage/index.js';
import { SnapshotPayloadBuilder } from './snapshot-payload-builder.js';
import { readSnapshotPayload, type SnapshotRow } from './snapshot-payload-reader.js';

export { SnapshotPayloadError } from './snapshot-payload-format.js';

/** Store contents plus the server's opaque blob. */
export interface SnapshotPayload {
  readonly contents: StateContents;
  readonly applicationBlob: Uint8Array;
}

/** Encodes the store payload. */
export function encodeSnapshotPayload(payload: SnapshotPayload): Uint8Array {
  const { contents } = payload;
  const builder = new SnapshotPayloadBuilder({
    appliedIndex: contents.appliedIndex,
    maxCommitTs: contents.maxCommitTs,
    applicationBlob: payload.applicationBlob,
  });
  for (const [key, value] of contents.mvccRows) builder.addMvccRow(key, value);
  for (const [key, value] of contents.rawRows) builder.addRawRow(key, value);
  return builder.finish();
}

function copyRows(rows: Iterable<SnapshotRow>): [Uint8Array, Uint8Array][] {
  const out: [Uint8Array, Uint8Array][] = [];
  for (const [key, value] of rows) out.push([key.slice(), value.slice()]);
  return out;
}

/** Decodes a store payload into copies of every row; any malformation is a {@link SnapshotPayloadError}. */
export function decodeSnapshotPayload(bytes: Uint8Array): SnapshotPayload {
  const view = readSnapshotPayload(bytes);
  return {
    contents: {
      appliedIndex: view.appliedIndex,
      maxCommitTs: view.maxCommitTs,
      mvccRows: copyRows(view.mvccRows),
      rawRows: copyRows(view.rawRows),
    },
    applicationBlob: view.applicationBlob,
  };
}
