/**
 * Snapshot data files: `<dataDir>/snapshots/<term>-<index>.snap`, holding the
 * snapshot bytes followed by a BE32 CRC32 trailer.
 *
 * Written crash-safely: a temporary file is written and fsynced, renamed into
 * place, and the directory is fsynced so the rename itself is durable. Only
 * then may the metadata that names the file be committed.
 */
import { crc32 } from 'node:zlib';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { StorageError } from './storage-error.js';

const CRC_BYTES = 4;
const SNAPSHOT_NAME = /^(\d+)-(\d+)\.snap$/;

/** The directory holding a node's snapshot files. */
export function snapshotDirectory(dataDir: string): string {
  return path.join(dataDir, 'snapshots');
}

/** The file name of the snapshot at (term, index). */
export function snapshotFileName(term: number, index: number): string {
  return `${term}-${index}.snap`;
}

async function fsyncPath(target: string, flags: string): Promise<void> {
  const handle = await fs.open(target, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes the snapshot file durably (tmp + fsync + rename + directory fsync) and returns its path. */
export async function writeSnapshotFile(
  dataDir: string,
  term: number,
  index: number,
  data: Uint8Array,
): Promise<string> {
  const directory = snapshotDirectory(dataDir);
  await fs.mkdir(directory, { recursive: true });
  const finalPath = path.join(directory, snapshotFileName(term, index));
  const temporaryPath = `${finalPath}.tmp`;
  const trailer = new Uint8Array(CRC_BYTES);
  new DataView(trailer.buffer).setUint32(0, crc32(data), false);
  const handle = await fs.open(temporaryPath, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.write(trailer);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporaryPath, finalPath);
  await fsyncPath(directory, 'r');
  return finalPath;
}

/** Reads and verifies a snapshot file; a bad CRC or a truncated file is `ErrSnapshotCorrupt`. */
export async function readSnapshotFile(dataDir: string, term: number, index: number): Promise<Uint8Array> {
  const filePath = path.join(snapshotDirectory(dataDir), snapshotFileName(term, index));
  let contents: Buffer;
  try {
    contents = await fs.readFile(filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StorageError('ErrSnapshotMissing', `snapshot file ${filePath} does not exist`, { cause: error });
    }
    throw error;
  }
  if (contents.length < CRC_BYTES) {
    throw new StorageError(
      'ErrSnapshotCorrupt',
      `snapshot file ${filePath} is ${contents.length} bytes, shorter than its CRC trailer`,
    );
  }
  const data = new Uint8Array(contents.buffer, contents.byteOffset, contents.length - CRC_BYTES);
  const expected = contents.readUInt32BE(contents.length - CRC_BYTES);
  const actual = crc32(data);
  if (actual !== expected) {
    throw new StorageError(
      'ErrSnapshotCorrupt',
      `snapshot file ${filePath} fails its CRC32 check (stored ${expected}, computed ${actual})`,
    );
  }
  return data.slice();
}

/**
 * Removes every snapshot file (and leftover temporary file) except the one at
 * `keep` (all of them when `keep` is null). Called only after the metadata
 * naming the kept file is durable, so a crash never leaves the metadata
 * pointing at nothing.
 */
export async function removeSnapshotFilesExcept(
  dataDir: string,
  keep: { readonly term: number; readonly index: number } | null,
): Promise<void> {
  const directory = snapshotDirectory(dataDir);
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const kept = keep === null ? null : snapshotFileName(keep.term, keep.index);
  for (const name of names) {
    if (name === kept) continue;
    if (SNAPSHOT_NAME.test(name) || name.endsWith('.snap.tmp')) {
      await fs.rm(path.join(directory, name), { force: true });
    }
  }
}
