/**
 * The header format of the node's newest snapshot (spec §9), for Status's
 * `snapshot_format`: set from the newest snapshot on disk at startup, then
 * from every snapshot the node writes or installs. The checkers use it to see
 * that a node never goes back from a v2 header (invariant I8).
 */
import { readSnapshotHeader } from '../kv/index.js';
import type { SnapshotFormat } from '../proto/index.js';

/** The format of snapshot bytes, '' when its header does not parse (such a snapshot is refused elsewhere). */
export function snapshotFormatOf(data: Uint8Array): SnapshotFormat {
  try {
    return readSnapshotHeader(data).format;
  } catch {
    return '';
  }
}

/** The newest snapshot's format, as the node saw it last. */
export class NewestSnapshotFormat {
  private format: SnapshotFormat;

  constructor(newestOnDisk: Uint8Array | null) {
    this.format = newestOnDisk === null ? '' : snapshotFormatOf(newestOnDisk);
  }

  get current(): SnapshotFormat {
    return this.format;
  }

  /** A snapshot was written or installed. */
  observe(data: Uint8Array): void {
    this.format = snapshotFormatOf(data);
  }
}
