import { describe, expect, it } from 'vitest';
import { bootstrap } from './bootstrap.js';
import { decodeConfChange } from './conf-change.js';
import { isRaftError, RaftError } from './errors.js';
import { MemoryStorage } from './memory-storage.js';
import { asLogIndex, asNodeId, asTerm, EntryType, type Entry } from './types.js';

const entry = (index: number, term: number, text = ''): Entry => ({
  index: asLogIndex(index),
  term: asTerm(term),
  type: EntryType.Normal,
  data: new TextEncoder().encode(text),
});

function codeOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (isRaftError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

function storageWith(count: number): MemoryStorage {
  const s = new MemoryStorage();
  s.append(Array.from({ length: count }, (_, i) => entry(i + 1, 1, `e${i + 1}`)));
  return s;
}

describe('MemoryStorage', () => {
  it('starts empty: first index 1, last index 0, term(0) = 0', () => {
    const s = new MemoryStorage();
    expect([s.firstIndex(), s.lastIndex(), s.term(asLogIndex(0))]).toEqual([1, 0, 0]);
    expect(s.entries(asLogIndex(1), asLogIndex(1))).toEqual([]);
  });

  it('appends, truncates a conflicting suffix, and refuses gaps', () => {
    const s = storageWith(5);
    s.append([entry(4, 2, 'x'), entry(5, 2, 'y'), entry(6, 2, 'z')]);
    expect(s.entries(asLogIndex(3), asLogIndex(7)).map((e) => `${e.term}/${e.index}`)).toEqual([
      '1/3',
      '2/4',
      '2/5',
      '2/6',
    ]);
    expect(() => s.append([entry(9, 2)])).toThrow(/gap/);
  });

  it('raises Compacted and Unavailable with typed errors', () => {
    const s = storageWith(10);
    s.createSnapshot(asLogIndex(5), { voters: [asNodeId('n1')], learners: [] }, new Uint8Array([1]));
    s.compact(asLogIndex(5));
    expect(s.firstIndex()).toBe(6);
    expect(s.term(asLogIndex(5))).toBe(1);
    expect(codeOf(() => s.term(asLogIndex(4)))).toBe('Compacted');
    expect(codeOf(() => s.entries(asLogIndex(5), asLogIndex(7)))).toBe('Compacted');
    expect(codeOf(() => s.entries(asLogIndex(6), asLogIndex(12)))).toBe('Unavailable');
    expect(codeOf(() => s.term(asLogIndex(11)))).toBe('Unavailable');
    expect(codeOf(() => s.compact(asLogIndex(3)))).toBe('Compacted');
  });

  it('refuses to compact beyond the latest snapshot, and stale snapshots', () => {
    const s = storageWith(10);
    expect(codeOf(() => s.compact(asLogIndex(3)))).toBe('Unavailable');
    s.createSnapshot(asLogIndex(6), { voters: [], learners: [] }, new Uint8Array());
    expect(codeOf(() => s.createSnapshot(asLogIndex(6), { voters: [], learners: [] }, new Uint8Array()))).toBe(
      'SnapshotOutOfDate',
    );
    const older = {
      metadata: { index: asLogIndex(2), term: asTerm(1), confState: { voters: [], learners: [] } },
      data: new Uint8Array(),
    };
    expect(codeOf(() => s.applySnapshot(older))).toBe('SnapshotOutOfDate');
  });

  it('applySnapshot replaces the log and the configuration', () => {
    const s = storageWith(3);
    const cs = { voters: [asNodeId('n1'), asNodeId('n2')], learners: [asNodeId('n3')] };
    s.applySnapshot({ metadata: { index: asLogIndex(20), term: asTerm(4), confState: cs }, data: new Uint8Array([7]) });
    expect([s.firstIndex(), s.lastIndex(), s.term(asLogIndex(20))]).toEqual([21, 20, 4]);
    expect(s.initialState().confState).toEqual(cs);
    s.append([entry(21, 4)]);
    expect(s.lastIndex()).toBe(21);
  });

  it('skips entries below the compaction point on append', () => {
    const s = storageWith(6);
    s.createSnapshot(asLogIndex(4), { voters: [], learners: [] }, new Uint8Array());
    s.compact(asLogIndex(4));
    s.append([entry(3, 1), entry(4, 1), entry(5, 1, 'e5'), entry(6, 1, 'e6'), entry(7, 1)]);
    expect([s.firstIndex(), s.lastIndex()]).toEqual([5, 7]);
  });
});

describe('bootstrap', () => {
  it('writes one committed addVoter entry per voter at term 1, sorted', () => {
    const s = new MemoryStorage();
    const state = bootstrap(s, [asNodeId('n3'), asNodeId('n1'), asNodeId('n2')]);
    expect(state.entries.map((e) => decodeConfChange(e.data).nodeId)).toEqual(['n1', 'n2', 'n3']);
    expect(state.hardState).toEqual({ term: 1, vote: null, commit: 3 });
    expect(s.initialState()).toEqual({
      hardState: state.hardState,
      confState: { voters: ['n1', 'n2', 'n3'], learners: [] },
    });
  });

  it('refuses duplicate voters, no voters, and non-empty storage', () => {
    expect(() => bootstrap(new MemoryStorage(), [])).toThrow(RaftError);
    expect(() => bootstrap(new MemoryStorage(), [asNodeId('n1'), asNodeId('n1')])).toThrow(/duplicates/);
    const s = new MemoryStorage();
    bootstrap(s, [asNodeId('n1')]);
    expect(() => bootstrap(s, [asNodeId('n1')])).toThrow(/empty storage/);
  });
});
