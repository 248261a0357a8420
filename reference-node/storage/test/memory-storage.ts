/** Test helpers: a node storage on memory-level (or classic-level) in a fresh temporary directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MemoryLevel } from 'memory-level';
import { NodeStorage } from '../node-storage.js';
import type { BinaryLevel } from '../node-database.js';

/** A fresh temporary directory and its removal. */
export async function temporaryDirectory(
  prefix = 'ekv-storage-',
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A memory-level database with binary encodings. */
export function memoryLevel(): BinaryLevel {
  return new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
}

/** Opens a node storage on memory-level in `dir` (snapshot files still go to `dir`). */
export async function openMemoryStorage(dir: string): Promise<NodeStorage> {
  return NodeStorage.open(dir, { createLevel: memoryLevel });
}

/** UTF-8 bytes. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Hex of bytes. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
