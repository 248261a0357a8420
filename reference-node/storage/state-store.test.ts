import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asLogIndex } from '../raft/types.js';
import { hlcTimestamp } from './hlc-timestamp.js';
import { encodeMvccKey } from './mvcc-key.js';
import type { NodeStorage } from './node-storage.js';
import type { StateMutation, StateStore } from './state-store.js';
import type { ValueCodec } from './value-codec.js';
import { openMemoryStorage, temporaryDirectory, utf8 } from './test/memory-storage.js';

const ts = (ms: number, logical = 0): bigint => hlcTimestamp(BigInt(ms), BigInt(logical));
const put = (key: string, at: bigint, value: string, expireAtMs = 0n): StateMutation => ({
  kind: 'version',
  userKey: utf8(key),
  commitTs: at,
  tombstone: false,
  expireAtMs,
  value: utf8(value),
});
const del = (key: string, at: bigint): StateMutation => ({
  kind: 'version',
  userKey: utf8(key),
  commitTs: at,
  tombstone: true,
  expireAtMs: 0n,
  value: new Uint8Array(0),
});
const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));

describe('StateStore (MVCC, raw rows, applied index)', () => {
  let storage: NodeStorage;
  let state: StateStore;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const tmp = await temporaryDirectory();
    storage = await openMemoryStorage(tmp.dir);
    state = storage.state;
    cleanup = async () => {
      await storage.close();
      await tmp.remove();
    };
  });
  afterEach(async () => cleanup());

  it('reads the newest version at or below the read timestamp', async () => {
    await state.commit([put('k', ts(10), 'v10'), put('k', ts(20), 'v20'), put('k', ts(30), 'v30')]);
    expect(text(await state.get(utf8('k'), ts(5)))).toBeNull();
    expect(text(await state.get(utf8('k'), ts(10)))).toBe('v10');
    expect(text(await state.get(utf8('k'), ts(25)))).toBe('v20');
    expect(text(await state.get(utf8('k'), ts(1000)))).toBe('v30');
    expect((await state.versions(utf8('k'))).map((v) => v.commitTs)).toEqual([ts(30), ts(20), ts(10)]);
  });

  it('honours tombstones: a delete hides older versions only from its timestamp on', async () => {
    await state.commit([put('k', ts(10), 'a'), del('k', ts(20)), put('k', ts(30), 'b')]);
    expect(text(await state.get(utf8('k'), ts(15)))).toBe('a');
    expect(text(await state.get(utf8('k'), ts(20)))).toBeNull();
    expect(text(await state.get(utf8('k'), ts(29)))).toBeNull();
    expect(text(await state.get(utf8('k'), ts(30)))).toBe('b');
    const tombstone = await state.latestVersion(utf8('k'), ts(25));
    expect(tombstone).toMatchObject({ tombstone: true, encryptionState: 'cleartext', commitTs: ts(20) });
  });

  it('honours TTL against the physical part of the read timestamp', async () => {
    await state.commit([put('k', ts(10), 'short', 50n)]);
    expect(text(await state.get(utf8('k'), ts(49, 65535)))).toBe('short');
    expect(text(await state.get(utf8('k'), ts(50)))).toBeNull();
    expect(text(await state.get(utf8('k'), ts(1000)))).toBeNull();
  });

  it('never confuses a key with keys it is a prefix of (versions interleave in key order)', async () => {
    // "a" ‖ ^ts sorts after "a\x00..." keys and around "a\xff..." keys: exact matching is required.
    const tricky = [
      utf8('a'),
      Uint8Array.from([0x61, 0x00]),
      Uint8Array.from([0x61, 0xff]),
      Uint8Array.from([0x61, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]),
    ];
    await state.commit(
      tricky.slice(1).map((key, i) => ({
        kind: 'version',
        userKey: key,
        commitTs: ts(5 + i),
        tombstone: false,
        expireAtMs: 0n,
        value: utf8(`other${i}`),
      })),
    );
    expect(await state.get(utf8('a'), ts(100))).toBeNull();
    await state.commit([put('a', ts(1), 'mine')]);
    expect(text(await state.get(utf8('a'), ts(100)))).toBe('mine');
    expect((await state.versions(utf8('a'))).length).toBe(1);
    expect(text(await state.get(Uint8Array.from([0x61, 0xff]), ts(100)))).toBe('other1');
  });

  it('matches a dumb reference model on random histories (prefix keys, tombstones, TTL)', async () => {
    const keyArb = fc.constantFrom('a', 'ab', 'a\u0000', 'b', 'abc');
    const opArb = fc.record({
      key: keyArb,
      ms: fc.integer({ min: 1, max: 60 }),
      tombstone: fc.boolean(),
      ttl: fc.constantFrom(0, 5, 20),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 25 }),
        fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 90 })), { maxLength: 10 }),
        async (ops, reads) => {
          const tmp = await temporaryDirectory();
          const local = await openMemoryStorage(tmp.dir);
          try {
            const model = new Map<string, { at: bigint; tombstone: boolean; expire: bigint; value: string }>();
            const mutations: StateMutation[] = [];
            ops.forEach((op, i) => {
              const at = ts(op.ms, i);
              const expire = op.ttl === 0 || op.tombstone ? 0n : BigInt(op.ms + op.ttl);
              const value = `${op.key}@${i}`;
              mutations.push(op.tombstone ? del(op.key, at) : put(op.key, at, value, expire));
              model.set(`${op.key}|${at}`, { at, tombstone: op.tombstone, expire, value });
            });
            await local.state.commit(mutations);
            for (const [key, ms] of reads) {
              const readTs = ts(ms, 65535);
              const candidates = [...model.entries()]
                .filter(([k, v]) => k.startsWith(`${key}|`) && v.at <= readTs)
                .map(([, v]) => v);
              candidates.sort((x, y) => (x.at > y.at ? -1 : 1));
              const newest = candidates[0];
              const expected =
                newest === undefined || newest.tombstone || (newest.expire !== 0n && newest.expire <= BigInt(ms))
                  ? null
                  : newest.value;
              expect(text(await local.state.get(utf8(key), readTs))).toBe(expected);
            }
          } finally {
            await local.close();
            await tmp.remove();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stores the golden layout: key = user_key ‖ BE64(^ts), value = header ‖ body', async () => {
    await state.commit([put('k', 5n, 'v', 7n)]);
    const rows = await storage.database.mvcc.iterator().all();
    expect(rows.length).toBe(1);
    const [key, value] = rows[0]!;
    expect(Buffer.from(key).toString('hex')).toBe('6b' + 'fffffffffffffffa');
    expect(Buffer.from(value).toString('hex')).toBe('00' + '0700000000000000' + '76');
  });

  it('refuses to read a reserved enc_state and a state-01 value without a cipher', async () => {
    await storage.database.mvcc.put(
      encodeMvccKey(utf8('bad'), 1n),
      Uint8Array.from([0b100, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    );
    await expect(state.get(utf8('bad'), 10n)).rejects.toMatchObject({ code: 'ErrEncryptedValueReservedState' });
    await storage.database.mvcc.put(
      encodeMvccKey(utf8('enc'), 1n),
      Uint8Array.from([0b010, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]),
    );
    await expect(state.get(utf8('enc'), 10n)).rejects.toMatchObject({ code: 'ErrEncryptedValueWithoutCipher' });
  });

  it('routes every body through the value codec seam (state 01 on write, decode on read)', async () => {
    const seen: string[] = [];
    const xor: ValueCodec = {
      encodeBody: ({ plaintext }) => ({ encryptionState: 'envelope', body: plaintext.map((b) => b ^ 0x5a) }),
      decodeBody: ({ header, body }) => {
        seen.push(header.encryptionState);
        return header.encryptionState === 'envelope' ? body.map((b) => b ^ 0x5a) : body;
      },
    };
    state.setValueCodecs({
      apply: xor,
      direct: {
        ...xor,
        encodeBody: () => {
          throw new Error('ErrWriterNotRegistered');
        },
      },
    });
    await expect(state.writeDirect([put('d', 1n, 'direct')])).rejects.toThrow(/ErrWriterNotRegistered/);
    expect(await state.get(utf8('d'), 5n)).toBeNull();
    await state.commit([put('k', 1n, 'secret'), del('k', 2n)]);
    const rows = await storage.database.mvcc.iterator().all();
    expect(rows.map(([, v]) => v[0])).toEqual([0b001, 0b010]);
    expect(Buffer.from(rows[1]![1]).includes(Buffer.from('secret'))).toBe(false);
    expect(text(await state.get(utf8('k'), 1n))).toBe('secret');
    expect(await state.get(utf8('k'), 2n)).toBeNull();
    expect(seen).toEqual(['envelope', 'cleartext']);
  });

  it('writes direct (non-Raft) versions synced without moving the applied index', async () => {
    await state.writeDirect([put('catalog', 3n, 'bootstrap')]);
    expect(text(await state.get(utf8('catalog'), 3n))).toBe('bootstrap');
    expect(state.appliedIndex()).toBe(0);
  });

  it('writes the applied index atomically with the mutations, never backwards', async () => {
    await state.commit([put('k', 1n, 'v')], { appliedIndex: asLogIndex(7) });
    expect(state.appliedIndex()).toBe(7);
    expect(state.maxCommitTs()).toBe(1n);
    await expect(state.commit([], { appliedIndex: asLogIndex(6) })).rejects.toThrow(/go back/);
    await state.setAppliedIndex(asLogIndex(9));
    expect(state.appliedIndex()).toBe(9);
  });

  it('writes nothing when a batch fails midway (mutations and applied index stay together)', async () => {
    await state.commit([put('k', 1n, 'before')], { appliedIndex: asLogIndex(1) });
    let calls = 0;
    const failing: ValueCodec = {
      encodeBody: ({ plaintext }) => {
        calls += 1;
        if (calls === 2) throw new Error('ErrWriteCountExhausted');
        return { encryptionState: 'cleartext', body: plaintext };
      },
      decodeBody: ({ body }) => body,
    };
    state.setValueCodecs({ apply: failing, direct: failing });
    await expect(state.commit([put('k', 2n, 'a'), put('j', 2n, 'b')], { appliedIndex: asLogIndex(2) })).rejects.toThrow(
      /ErrWriteCountExhausted/,
    );
    expect(state.appliedIndex()).toBe(1);
    expect(text(await state.get(utf8('k'), 10n))).toBe('before');
    expect(await state.get(utf8('j'), 10n)).toBeNull();
  });

  it('keeps raw rows outside the MVCC namespace and scans them by prefix', async () => {
    await state.putRaw(utf8('!encryption|writers|a'), utf8('1'));
    await state.commit([
      { kind: 'raw', key: utf8('!encryption|writers|b'), value: utf8('2') },
      { kind: 'raw', key: utf8('other'), value: utf8('3') },
    ]);
    expect(text(await state.getRaw(utf8('!encryption|writers|a')))).toBe('1');
    expect((await state.scanRaw(utf8('!encryption|writers|'))).map(([, v]) => text(v))).toEqual(['1', '2']);
    expect(await state.get(utf8('!encryption|writers|a'), 100n)).toBeNull();
    await state.commit([{ kind: 'raw', key: utf8('other'), value: null }]);
    expect(await state.getRaw(utf8('other'))).toBeNull();
  });

  it('exports and replaces the whole contents atomically (snapshot round trip)', async () => {
    await state.commit([put('k', 3n, 'v'), { kind: 'raw', key: utf8('r'), value: utf8('raw') }], {
      appliedIndex: asLogIndex(4),
    });
    const exported = await state.exportContents();
    const tmp = await temporaryDirectory();
    const other = await openMemoryStorage(tmp.dir);
    try {
      await other.state.commit([put('stale', 1n, 'x'), { kind: 'raw', key: utf8('old'), value: utf8('o') }], {
        appliedIndex: asLogIndex(99),
      });
      await other.state.replaceContents(exported);
      expect(other.state.appliedIndex()).toBe(4);
      expect(other.state.maxCommitTs()).toBe(3n);
      expect(text(await other.state.get(utf8('k'), 10n))).toBe('v');
      expect(await other.state.get(utf8('stale'), 10n)).toBeNull();
      expect(await other.state.getRaw(utf8('old'))).toBeNull();
      expect(await other.state.exportContents()).toEqual(exported);
      const reserved = {
        ...exported,
        mvccRows: [[encodeMvccKey(utf8('z'), 1n), Uint8Array.from([0b110, 0, 0, 0, 0, 0, 0, 0, 0])] as const],
      };
      await expect(other.state.replaceContents(reserved)).rejects.toMatchObject({
        code: 'ErrEncryptedValueReservedState',
      });
      expect(text(await other.state.get(utf8('k'), 10n))).toBe('v');
    } finally {
      await other.close();
      await tmp.remove();
    }
  });
});
