import { describe, expect, it } from 'vitest';
import { MemoryStorage } from './memory-storage.js';
import { RaftLog } from './raft-log.js';
import { asLogIndex, asTerm, EntryType, type Entry } from './types.js';

const entry = (index: number): Entry => ({
  index: asLogIndex(index),
  term: asTerm(1),
  type: EntryType.Normal,
  data: new Uint8Array(0),
});

describe('RaftLog.slice', () => {
  it('returns a slice longer than a call takes arguments, across stable and unstable entries', () => {
    // 200,000 stable + 200,000 unstable entries: `push(...entries)` threw
    // "RangeError: Maximum call stack size exceeded" on slices this long.
    const stableCount = 200_000;
    const storage = new MemoryStorage();
    storage.append(Array.from({ length: stableCount }, (_, i) => entry(i + 1)));
    const log = new RaftLog(storage);
    log.append(Array.from({ length: stableCount }, (_, i) => entry(stableCount + i + 1)));
    const slice = log.slice(1, 2 * stableCount + 1);
    expect(slice?.length).toBe(2 * stableCount);
    expect(slice?.findIndex((e, i) => e.index !== i + 1)).toBe(-1);
  });
});
