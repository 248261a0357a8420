import { describe, expect, it } from 'vitest';
import { isEncryptionError } from './errors.js';
import { fullNodeId, nodeId16 } from './node-identity.js';
import {
  decodeRegistryKey,
  decodeRegistryValue,
  encodeRegistryKey,
  encodeRegistryValue,
  isRegistryKey,
} from './registry-codec.js';
import { FakeRowStore, hex, thrown } from './test/fixtures.js';
import { applyRegistration, readRegistryRow } from './writer-registry.js';

const NONE: ReadonlySet<string> = new Set();

describe('registry row codecs (spec §3.1)', () => {
  it('lays out the 27-byte key and the 12-byte value (golden)', () => {
    const key = encodeRegistryKey(0x0a0b0c0d, 0xec8c);
    expect(key.length).toBe(27);
    expect(hex(key)).toBe(Buffer.from('!encryption|writers|').toString('hex') + '0a0b0c0d' + '7c' + 'ec8c');
    expect(decodeRegistryKey(key)).toEqual({ dekId: 0x0a0b0c0d, nodeId16: 0xec8c });
    expect(isRegistryKey(key)).toBe(true);
    expect(isRegistryKey(Buffer.from('user-key'))).toBe(false);
    const value = encodeRegistryValue({ fullNodeId: 0xaf63dc4c8601ec8cn, firstSeenEpoch: 1, lastSeenEpoch: 0x0203 });
    expect(hex(value)).toBe('af63dc4c8601ec8c' + '0001' + '0203');
    expect(decodeRegistryValue(value)).toEqual({
      fullNodeId: 0xaf63dc4c8601ec8cn,
      firstSeenEpoch: 1,
      lastSeenEpoch: 0x0203,
    });
  });

  it('rejects values of any other length and malformed keys', () => {
    for (const length of [0, 11, 13])
      expect(
        isEncryptionError(
          thrown(() => decodeRegistryValue(new Uint8Array(length))),
          'ErrRegistryValueMalformed',
        ),
      ).toBe(true);
    const key = Buffer.from(encodeRegistryKey(1, 2));
    expect(
      isEncryptionError(
        thrown(() => decodeRegistryKey(key.subarray(0, 26))),
        'ErrRegistryKeyMalformed',
      ),
    ).toBe(true);
    key[24] = 0x2f;
    expect(
      isEncryptionError(
        thrown(() => decodeRegistryKey(key)),
        'ErrRegistryKeyMalformed',
      ),
    ).toBe(true);
  });
});

describe('ApplyRegistration dispatch (spec §3.2, code order)', () => {
  const me = fullNodeId('n1');

  it('walks the dispatch table: insert, replay, advance, rollback, collision', async () => {
    const rows = new FakeRowStore();
    const cases: [bigint, number, string, boolean][] = [
      [me, 3, 'insert', false],
      [me, 3, 'replay', false],
      [me, 5, 'advance', false],
      [me, 4, 'rollback', true],
      [me + 0x10000n, 9, 'collision', true],
    ];
    for (const [full, epoch, expected, halts] of cases) {
      const outcome = await applyRegistration(rows, { dekId: 7, fullNodeId: full, localEpoch: epoch }, NONE);
      expect(outcome.case).toBe(expected);
      expect(outcome.halt).toBe(halts);
      if (outcome.halt) expect(outcome.error.errorName).toBe('ErrEncryptionApply');
    }
    expect(await readRegistryRow(rows, 7, me)).toEqual({ fullNodeId: me, firstSeenEpoch: 3, lastSeenEpoch: 5 });
    // Only insert and advance write (replay and halts leave the row untouched).
    expect(rows.puts).toBe(2);
  });

  it('checks collision before the epoch comparison', async () => {
    const rows = new FakeRowStore();
    await applyRegistration(rows, { dekId: 1, fullNodeId: me, localEpoch: 5 }, NONE);
    const collider = me ^ 0x1_0000n;
    expect(nodeId16(collider)).toBe(nodeId16(me));
    expect((await applyRegistration(rows, { dekId: 1, fullNodeId: collider, localEpoch: 5 }, NONE)).case).toBe(
      'collision',
    );
    // Rows are per DEK: the same node16 under another DEK is independent.
    expect((await applyRegistration(rows, { dekId: 2, fullNodeId: collider, localEpoch: 0 }, NONE)).case).toBe(
      'insert',
    );
  });

  it('halts on a malformed stored row', async () => {
    const rows = new FakeRowStore();
    await rows.putSynced(encodeRegistryKey(1, nodeId16(me)), new Uint8Array(5));
    await expect(applyRegistration(rows, { dekId: 1, fullNodeId: me, localEpoch: 1 }, NONE)).rejects.toThrow(
      /ErrRegistryValueMalformed/,
    );
  });

  it('bug switch B1 turns the equal-epoch replay into a rollback halt', async () => {
    const rows = new FakeRowStore();
    await applyRegistration(rows, { dekId: 1, fullNodeId: me, localEpoch: 2 }, NONE);
    const outcome = await applyRegistration(rows, { dekId: 1, fullNodeId: me, localEpoch: 2 }, new Set(['B1']));
    expect(outcome).toMatchObject({ halt: true, case: 'rollback' });
    expect((await applyRegistration(rows, { dekId: 1, fullNodeId: me, localEpoch: 3 }, new Set(['B1']))).case).toBe(
      'advance',
    );
  });
});
