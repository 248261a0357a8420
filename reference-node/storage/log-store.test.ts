import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { asLogIndex, asNodeId, asTerm, EntryType } from '../raft/types.js';
import type { Entry, HardState, Snapshot } from '../raft/types.js';
import { NodeStorage } from './node-storage.js';
import { snapshotDirectory, writeSnapshotFile } from './snapshot-file.js';
import { temporaryDirectory, utf8 } from './test/memory-storage.js';

const entry = (index: number, term: number, data = `e${index}t${term}`): Entry => ({
  index: asLogIndex(index),
  term: asTerm(term),
  type: EntryType.Normal,
  data: utf8(data),
});
const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
const hardState = (term: number, commit: number, vote: string | null = 'n1'): HardState => ({
  term: asTerm(term),
  vote: vote === null ? null : asNodeId(vote),
  commit: asLogIndex(commit),
});
const confState = { voters: [asNodeId('n1'), asNodeId('n2'), asNodeId('n3')], learners: [asNodeId('n4')] };
const snapshotAt = (index: number, term: number, data = `snap@${index}`): Snapshot => ({
  metadata: { index: asLogIndex(index), term: asTerm(term), confState },
  data: utf8(data),
});

describe('LogStore (classic-level)', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let storage: NodeStorage;

  beforeEach(async () => {
    ({ dir, remove } = await temporaryDirectory('ekv-log-'));
    storage = await NodeStorage.open(dir);
  });
  afterEach(async () => {
    await storage.close();
    await remove();
  });

  const reopen = async (): Promise<NodeStorage> => {
    await storage.close();
    storage = await NodeStorage.open(dir);
    return storage;
  };

  it('loads nothing from a fresh directory', async () => {
    expect(await storage.log.load()).toEqual({ hardState: null, confState: null, snapshot: null, entries: [] });
    expect(storage.log.firstIndex()).toBe(1);
    expect(storage.log.lastIndex()).toBe(0);
  });

  it('counts its atomic writes by durability: one synced write per append, none for an empty one', async () => {
    const counts = storage.database.writeCounts;
    const before = { ...counts };
    await storage.log.append(range(1, 5, 1), hardState(1, 3));
    await storage.log.append([], null);
    await storage.log.append(range(6, 6, 1), null, { sync: false });
    await storage.database.write([], true);
    const batch = storage.database.startBatch();
    batch.put(storage.database.raw, utf8('k'), utf8('v'));
    await batch.write(true);
    expect({ synced: counts.synced - before.synced, unsynced: counts.unsynced - before.unsynced }).toEqual({
      synced: 2,
      unsynced: 1,
    });
  });

  it('persists entries, hard state and conf state across a reopen', async () => {
    await storage.log.append(range(1, 5, 1), hardState(1, 3));
    await storage.log.setConfState(confState);
    const loaded = await (await reopen()).log.load();
    expect(loaded.entries).toEqual(range(1, 5, 1));
    expect(loaded.hardState).toEqual(hardState(1, 3));
    expect(loaded.confState).toEqual(confState);
    expect(storage.log.lastIndex()).toBe(5);
    expect(await storage.log.entries(asLogIndex(2), asLogIndex(4))).toEqual(range(2, 3, 1));
    expect(await storage.log.term(asLogIndex(5))).toBe(1);
  });

  it('truncates a conflicting suffix: entries at or after the first new index are replaced', async () => {
    await storage.log.append(range(1, 10, 1));
    await storage.log.append([entry(4, 2), entry(5, 2)], hardState(2, 3, null));
    expect(storage.log.lastIndex()).toBe(5);
    const loaded = await (await reopen()).log.load();
    expect(loaded.entries).toEqual([...range(1, 3, 1), entry(4, 2), entry(5, 2)]);
    expect(loaded.hardState).toEqual(hardState(2, 3, null));
    await expect(storage.log.entries(asLogIndex(1), asLogIndex(7))).rejects.toMatchObject({ code: 'ErrUnavailable' });
  });

  it('refuses gaps and non-contiguous appends', async () => {
    await storage.log.append(range(1, 3, 1));
    await expect(storage.log.append([entry(5, 1)])).rejects.toMatchObject({ code: 'ErrLogGap' });
    await expect(storage.log.append([entry(4, 1), entry(6, 1)])).rejects.toMatchObject({ code: 'ErrLogGap' });
    expect(storage.log.lastIndex()).toBe(3);
  });

  it('saves a local snapshot (log kept), compacts, and reloads entries after it', async () => {
    await storage.log.append(range(1, 10, 1));
    await storage.log.saveSnapshot(snapshotAt(6, 1));
    expect(storage.log.lastIndex()).toBe(10);
    await expect(storage.log.compact(asLogIndex(7))).rejects.toMatchObject({ code: 'ErrCompactBeyondSnapshot' });
    await storage.log.compact(asLogIndex(6));
    expect(storage.log.firstIndex()).toBe(7);
    await expect(storage.log.entries(asLogIndex(5), asLogIndex(8))).rejects.toMatchObject({ code: 'ErrCompacted' });
    const loaded = await (await reopen()).log.load();
    expect(loaded.snapshot).toEqual(snapshotAt(6, 1));
    expect(loaded.entries).toEqual(range(7, 10, 1));
    expect(storage.log.firstIndex()).toBe(7);
    expect(await storage.log.term(asLogIndex(6))).toBe(1);
    await storage.log.append([entry(11, 2)]);
    expect((await (await reopen()).log.load()).entries.map((e) => e.index)).toEqual([7, 8, 9, 10, 11]);
  });

  it('installs a leader snapshot: a non-matching log is discarded and the conf state replaced', async () => {
    await storage.log.append(range(1, 4, 1));
    await storage.log.saveSnapshot(snapshotAt(20, 3));
    expect(storage.log.firstIndex()).toBe(21);
    expect(storage.log.lastIndex()).toBe(20);
    const loaded = await (await reopen()).log.load();
    expect(loaded.entries).toEqual([]);
    expect(loaded.confState).toEqual(confState);
    expect(loaded.snapshot?.metadata.index).toBe(20);
    await expect(storage.log.append([entry(22, 3)])).rejects.toMatchObject({ code: 'ErrLogGap' });
    await storage.log.append([entry(21, 3)]);
    expect((await storage.log.load()).entries).toEqual([entry(21, 3)]);
    await expect(storage.log.saveSnapshot(snapshotAt(20, 3))).rejects.toMatchObject({ code: 'ErrSnapshotOutOfDate' });
  });

  it('keeps exactly one snapshot file, named <term>-<index>.snap, and removes older ones and temporaries', async () => {
    await storage.log.append(range(1, 10, 2));
    await storage.log.saveSnapshot(snapshotAt(3, 2));
    await storage.log.saveSnapshot(snapshotAt(8, 2));
    await fs.writeFile(path.join(snapshotDirectory(dir), '2-9.snap.tmp'), 'torn');
    expect((await fs.readdir(snapshotDirectory(dir))).sort()).toEqual(['2-8.snap', '2-9.snap.tmp']);
    await (await reopen()).log.load();
    expect(await fs.readdir(snapshotDirectory(dir))).toEqual(['2-8.snap']);
  });

  it('removes a snapshot file whose metadata never committed (crash after the file, before the batch)', async () => {
    await storage.log.append(range(1, 3, 1));
    await writeSnapshotFile(dir, 1, 3, utf8('orphan'));
    const loaded = await (await reopen()).log.load();
    expect(loaded.snapshot).toBeNull();
    expect(await fs.readdir(snapshotDirectory(dir))).toEqual([]);
  });

  it('detects snapshot file corruption through the CRC32 trailer', async () => {
    await storage.log.append(range(1, 3, 1));
    await storage.log.saveSnapshot(snapshotAt(2, 1, 'payload bytes'));
    const file = path.join(snapshotDirectory(dir), '1-2.snap');
    const bytes = await fs.readFile(file);
    bytes[3] = bytes[3]! ^ 0x01;
    await fs.writeFile(file, bytes);
    await expect((await reopen()).log.load()).rejects.toMatchObject({ code: 'ErrSnapshotCorrupt' });
    await fs.writeFile(file, bytes.subarray(0, 2));
    await expect(storage.log.load()).rejects.toMatchObject({ code: 'ErrSnapshotCorrupt' });
    await fs.rm(file);
    await expect(storage.log.load()).rejects.toMatchObject({ code: 'ErrSnapshotMissing' });
  });

  it('drops a log tail for fault injection, never below the snapshot', async () => {
    await storage.log.append(range(1, 8, 1));
    await storage.log.saveSnapshot(snapshotAt(3, 1));
    expect(await storage.log.dropEntriesFrom(asLogIndex(6))).toBe(3);
    expect((await (await reopen()).log.load()).entries.map((e) => e.index)).toEqual([4, 5]);
    await expect(storage.log.dropEntriesFrom(asLogIndex(3))).rejects.toMatchObject({ code: 'ErrCompacted' });
    expect(await storage.log.dropEntriesFrom(asLogIndex(9))).toBe(0);
    await storage.log.append([entry(6, 2)]);
    expect(storage.log.lastIndex()).toBe(6);
  });

  it('refuses use after close with a typed error', async () => {
    await storage.log.close();
    await expect(storage.log.append([entry(1, 1)])).rejects.toMatchObject({ code: 'ErrClosed' });
  });
});
