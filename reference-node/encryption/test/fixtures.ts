// Shared fixtures of the encryption tests (excluded from the build).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kekFromBytes, type Kek } from '../kek-file.js';
import type { RawRowStore } from '../writer-registry.js';

/** A deterministic 32-byte key: byte i = (seed + i) & 0xff. */
export function keyBytes(seed: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (seed + i) & 0xff);
}

/** A KEK from a seed. */
export function testKek(seed = 0x40): Kek {
  return kekFromBytes(keyBytes(seed));
}

/** In-memory raw row store that counts synced writes. */
export class FakeRowStore implements RawRowStore {
  readonly rows = new Map<string, Uint8Array>();
  puts = 0;

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.rows.get(Buffer.from(key).toString('hex'));
  }

  async putSynced(key: Uint8Array, value: Uint8Array): Promise<void> {
    this.puts++;
    this.rows.set(Buffer.from(key).toString('hex'), Uint8Array.from(value));
  }
}

/** A fresh temp dir and its remover. */
export async function tempDir(prefix: string): Promise<{ readonly dir: string; readonly remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `ekv-enc-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Catch a sync throw and return it (fails the test if nothing is thrown). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Catch an async rejection and return it. */
export async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** Hex of bytes (for golden comparisons). */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
