import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncryptionError, isEncryptionError } from './errors.js';
import {
  BOOTSTRAP_BATCH_ROWS_MAX,
  decodeEncryptionEntry,
  encodeBootstrapEntry,
  encodeRegistrationEntry,
  encodeRotationEntry,
  ROTATION_SUBTAG,
  type BootstrapEntry,
  type RotationEntry,
} from './fsm-wire.js';
import { hex, thrown } from './test/fixtures.js';
import type { WriterRegistration } from './writer-registry.js';

const WIRE_ERRORS = ['ErrFSMWireMalformed', 'ErrFSMWireVersion', 'ErrFSMWireSubtag', 'ErrFSMWireOpcode'];

const registrationArb: fc.Arbitrary<WriterRegistration> = fc.record({
  dekId: fc.integer({ min: 0, max: 0xffffffff }),
  fullNodeId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  localEpoch: fc.integer({ min: 0, max: 0xffff }),
});
const bootstrapArb: fc.Arbitrary<BootstrapEntry> = fc.record({
  storageDekId: fc.integer({ min: 0, max: 0xffffffff }),
  wrappedStorage: fc.uint8Array({ maxLength: 70 }),
  raftDekId: fc.integer({ min: 0, max: 0xffffffff }),
  wrappedRaft: fc.uint8Array({ maxLength: 70 }),
  batch: fc.array(registrationArb, { maxLength: 6 }),
});
const rotationArb: fc.Arbitrary<RotationEntry> = fc.record({
  subtag: fc.constantFrom(
    ROTATION_SUBTAG.rotateDek,
    ROTATION_SUBTAG.enableStorageEnvelope,
    ROTATION_SUBTAG.enableRaftEnvelope,
  ),
  dekId: fc.integer({ min: 0, max: 0xffffffff }),
  purpose: fc.constantFrom('storage' as const, 'raft' as const),
  wrapped: fc.uint8Array({ maxLength: 70 }),
  proposer: registrationArb,
});
const encodedArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  registrationArb.map(encodeRegistrationEntry),
  bootstrapArb.map(encodeBootstrapEntry),
  rotationArb.map(encodeRotationEntry),
);

function expectWireError(bytes: Uint8Array, names: readonly string[] = WIRE_ERRORS): EncryptionError {
  const err = thrown(() => decodeEncryptionEntry(bytes));
  expect(err).toBeInstanceOf(EncryptionError);
  expect(names).toContain((err as EncryptionError).errorName);
  return err as EncryptionError;
}

describe('FSM wire bodies (spec §5.2): golden layouts', () => {
  it('0x03 registration is 17 bytes', () => {
    const bytes = encodeRegistrationEntry({ dekId: 0x01020304, fullNodeId: 0x1122334455667788n, localEpoch: 9 });
    expect(hex(bytes)).toBe('0301' + '01020304' + '1122334455667788' + '0009');
    expect(decodeEncryptionEntry(bytes)).toEqual({
      opcode: 3,
      registration: { dekId: 0x01020304, fullNodeId: 0x1122334455667788n, localEpoch: 9 },
    });
  });

  it('0x04 bootstrap', () => {
    const entry: BootstrapEntry = {
      storageDekId: 1,
      wrappedStorage: Uint8Array.of(0xaa, 0xbb),
      raftDekId: 2,
      wrappedRaft: Uint8Array.of(0xcc),
      batch: [{ dekId: 1, fullNodeId: 5n, localEpoch: 0 }],
    };
    const bytes = encodeBootstrapEntry(entry);
    expect(hex(bytes)).toBe(
      '0401' +
        '00000001' +
        '00000002aabb' +
        '00000002' +
        '00000001cc' +
        '00000001' +
        '00000001' +
        '0000000000000005' +
        '0000',
    );
    expect(decodeEncryptionEntry(bytes)).toEqual({ opcode: 4, bootstrap: entry });
  });

  it('0x05 rotation family with its sub-tags and purposes', () => {
    const entry: RotationEntry = {
      subtag: 4,
      dekId: 7,
      purpose: 'storage',
      wrapped: new Uint8Array(0),
      proposer: { dekId: 7, fullNodeId: 5n, localEpoch: 3 },
    };
    const bytes = encodeRotationEntry(entry);
    expect(hex(bytes)).toBe('0501' + '04' + '00000007' + '01' + '00000000' + '00000007' + '0000000000000005' + '0003');
    const decoded = decodeEncryptionEntry(bytes);
    expect(decoded).toEqual({ opcode: 5, rotation: entry });
    // Enable markers decode to an empty array, never null (B16).
    expect(decoded.opcode === 5 && decoded.rotation.wrapped).toBeInstanceOf(Uint8Array);
    expect(hex(encodeRotationEntry({ ...entry, subtag: 1, purpose: 'raft', wrapped: Buffer.from('ff', 'hex') }))).toBe(
      '0501' + '01' + '00000007' + '02' + '00000001ff' + '00000007' + '0000000000000005' + '0003',
    );
  });
});

describe('FSM wire bodies: rejection rules', () => {
  it('rejects a wrong version, unknown sub-tags (incl. reserved 0x02/0x03), unknown purposes, reserved opcodes', () => {
    expect(expectWireError(Buffer.from('0302' + '00'.repeat(14), 'hex')).errorName).toBe('ErrFSMWireVersion');
    const rotation = Buffer.from(
      encodeRotationEntry({
        subtag: 1,
        dekId: 7,
        purpose: 'raft',
        wrapped: new Uint8Array(0),
        proposer: { dekId: 7, fullNodeId: 1n, localEpoch: 0 },
      }),
    );
    for (const subtag of [0x00, 0x02, 0x03, 0x06, 0xff]) {
      const bad = Buffer.from(rotation);
      bad[2] = subtag;
      expect(expectWireError(bad).errorName).toBe('ErrFSMWireSubtag');
    }
    for (const purpose of [0, 3, 0xff]) {
      const bad = Buffer.from(rotation);
      bad[7] = purpose;
      expect(expectWireError(bad).errorName).toBe('ErrFSMWireMalformed');
    }
    for (const opcode of [0x06, 0x07])
      expect(expectWireError(Buffer.from([opcode, 1])).errorName).toBe('ErrFSMWireOpcode');
    expect(expectWireError(new Uint8Array(0)).errorName).toBe('ErrFSMWireMalformed');
  });

  it('honours a restricted sub-tag whitelist (stage emulation: a pre-6E binary does not know 0x05)', () => {
    const marker = encodeRotationEntry({
      subtag: 5,
      dekId: 7,
      purpose: 'raft',
      wrapped: new Uint8Array(0),
      proposer: { dekId: 7, fullNodeId: 1n, localEpoch: 0 },
    });
    const err = thrown(() => decodeEncryptionEntry(marker, { knownSubtags: new Set([1, 4]) }));
    expect(isEncryptionError(err, 'ErrFSMWireSubtag')).toBe(true);
  });

  it('OOM guard: refuses batch counts above 16384 or beyond the remaining bytes before allocating', () => {
    const base = Buffer.from(
      encodeBootstrapEntry({
        storageDekId: 1,
        wrappedStorage: new Uint8Array(0),
        raftDekId: 2,
        wrappedRaft: new Uint8Array(0),
        batch: [],
      }),
    );
    const countOffset = base.length - 4;
    base.writeUInt32BE(BOOTSTRAP_BATCH_ROWS_MAX + 1, countOffset);
    expect(expectWireError(base).message).toMatch(/exceeds 16384/);
    base.writeUInt32BE(0xffffffff, countOffset);
    expect(expectWireError(base).errorName).toBe('ErrFSMWireMalformed');
    base.writeUInt32BE(2, countOffset);
    expect(expectWireError(Buffer.concat([base, new Uint8Array(14)])).message).toMatch(/needs 28 bytes, 14 left/);
    const hugeLength = Buffer.from(base);
    hugeLength.writeUInt32BE(0xfffffff0, 6);
    expect(expectWireError(hugeLength).errorName).toBe('ErrFSMWireMalformed');
  });

  it('round-trips every entry (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          registrationArb.map((r) => ({ opcode: 3 as const, registration: r })),
          bootstrapArb.map((b) => ({ opcode: 4 as const, bootstrap: b })),
          rotationArb.map((r) => ({ opcode: 5 as const, rotation: r })),
        ),
        (entry) => {
          const bytes =
            entry.opcode === 3
              ? encodeRegistrationEntry(entry.registration)
              : entry.opcode === 4
                ? encodeBootstrapEntry(entry.bootstrap)
                : encodeRotationEntry(entry.rotation);
          expect(decodeEncryptionEntry(bytes)).toEqual(entry);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects every truncation and every extension of a valid body (property)', () => {
    fc.assert(
      fc.property(encodedArb, fc.uint8Array({ minLength: 1, maxLength: 16 }), (bytes, extra) => {
        for (let length = 0; length < bytes.length; length++) expectWireError(bytes.subarray(0, length));
        expect(expectWireError(Buffer.concat([bytes, extra])).errorName).toBe('ErrFSMWireMalformed');
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but the typed wire errors on 100,000 random or mutated inputs (property)', () => {
    const randomBody = fc
      .tuple(fc.constantFrom(3, 4, 5, 5, 6, 7, 0), fc.constantFrom(1, 1, 1, 0, 2), fc.uint8Array({ maxLength: 48 }))
      .map(([op, ver, tail]) => Uint8Array.from([op, ver, ...tail]));
    const mutated = fc
      .tuple(encodedArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: -3, max: 3 }))
      .map(([bytes, at, value, resize]) => {
        const copy = Buffer.from(bytes);
        if (copy.length > 0) copy[at % copy.length] = value;
        return resize >= 0
          ? Buffer.concat([copy, Buffer.alloc(resize, value)])
          : copy.subarray(0, Math.max(0, copy.length + resize));
      });
    let decoded = 0;
    fc.assert(
      fc.property(fc.oneof(randomBody, mutated), (bytes) => {
        try {
          decodeEncryptionEntry(bytes);
          decoded++;
        } catch (err) {
          if (!(err instanceof EncryptionError) || !WIRE_ERRORS.includes(err.errorName)) throw err;
        }
      }),
      { numRuns: 100_000 },
    );
    // The mix must also reach successful decodes, or the property says little.
    expect(decoded).toBeGreaterThan(100);
  });
});
