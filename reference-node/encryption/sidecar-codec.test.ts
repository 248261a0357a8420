import { describe, expect, it } from 'vitest';
import { EncryptionError } from './errors.js';
import { emptySidecar, parseSidecar, serializeSidecar, type Sidecar } from './sidecar-codec.js';
import { thrown } from './test/fixtures.js';

const WRAPPED = Uint8Array.from({ length: 60 }, (_, i) => i);

function sample(): Sidecar {
  return {
    version: 2,
    raftAppliedIndex: 184273,
    storageEnvelopeActive: true,
    storageEnvelopeCutoverIndex: 184100,
    raftEnvelopeCutoverIndex: 184201,
    active: { storage: 305419896, raft: 2596069104 },
    keys: new Map([
      [2596069104, { purpose: 'raft' as const, wrapped: WRAPPED, created: '2026-04-29T10:00:00Z', localEpoch: 7 }],
      [305419896, { purpose: 'storage' as const, wrapped: WRAPPED, created: '2026-04-29T10:00:00Z', localEpoch: 7 }],
    ]),
  };
}

function errorName(fn: () => unknown): string {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(EncryptionError);
  return (err as EncryptionError).errorName;
}

describe('sidecar JSON (spec §4.2)', () => {
  it('writes version 2 with a two-space indent, fields in the spec order, ids as decimal strings (golden)', () => {
    const b64 = Buffer.from(WRAPPED).toString('base64');
    const key = (purpose: string): string =>
      `{\n      "purpose": "${purpose}",\n      "wrapped": "${b64}",\n      "created": "2026-04-29T10:00:00Z",\n      "local_epoch": 7\n    }`;
    expect(serializeSidecar(sample())).toBe(
      `{\n  "version": 2,\n  "raft_applied_index": 184273,\n  "storage_envelope_active": true,\n  "storage_envelope_cutover_index": 184100,\n  "raft_envelope_cutover_index": 184201,\n  "active": {\n    "storage": 305419896,\n    "raft": 2596069104\n  },\n  "keys": {\n    "2596069104": ${key('raft')},\n    "305419896": ${key('storage')}\n  }\n}`,
    );
    expect(serializeSidecar(emptySidecar())).toContain('"keys": {}');
  });

  it('round-trips through parse', () => {
    const parsed = parseSidecar(serializeSidecar(sample()));
    expect(parsed).toMatchObject({
      version: 2,
      raftAppliedIndex: 184273,
      active: { storage: 305419896, raft: 2596069104 },
    });
    expect(Buffer.from(parsed.keys.get(305419896)!.wrapped)).toEqual(Buffer.from(WRAPPED));
    expect(serializeSidecar(parsed)).toBe(serializeSidecar(sample()));
  });

  it('reads version 1 (missing fields are zero values) and refuses any other version', () => {
    const v1 = parseSidecar(
      '{"version": 1, "active": {"storage": 5, "raft": 0}, "keys": {"5": {"purpose": "storage", "wrapped": "", "created": "", "local_epoch": 2}}}',
    );
    expect(v1).toMatchObject({
      version: 1,
      raftAppliedIndex: 0,
      storageEnvelopeActive: false,
      active: { storage: 5, raft: 0 },
    });
    for (const version of [0, 3, 2.5, '"2"'])
      expect(errorName(() => parseSidecar(`{"version": ${version}}`))).toBe(
        version === '"2"' ? 'ErrSidecarMalformed' : 'ErrSidecarVersion',
      );
    expect(errorName(() => parseSidecar('{}'))).toBe('ErrSidecarVersion');
  });

  it('names each validation failure', () => {
    const withKeys = (keys: string, active = '{"storage": 0, "raft": 0}'): string =>
      `{"version": 2, "active": ${active}, "keys": ${keys}}`;
    const key = (purpose: string): string =>
      `{"purpose": "${purpose}", "wrapped": "", "created": "", "local_epoch": 0}`;
    expect(errorName(() => parseSidecar(withKeys(`{"0": ${key('storage')}}`)))).toBe('ErrSidecarReservedKeyID');
    for (const id of ['x1', '-1', '4294967296', '007', '1.0', ''])
      expect(errorName(() => parseSidecar(withKeys(`{"${id}": ${key('storage')}}`)))).toBe('ErrSidecarKeyIDFormat');
    expect(errorName(() => parseSidecar(withKeys(`{"4294967295": ${key('kek')}}`)))).toBe('ErrSidecarPurpose');
    expect(errorName(() => parseSidecar(withKeys(`{"9": ${key('storage')}}`, '{"storage": 8, "raft": 0}')))).toBe(
      'ErrSidecarActiveKeyMissing',
    );
    expect(errorName(() => parseSidecar(withKeys(`{"9": ${key('storage')}}`, '{"storage": 0, "raft": 9}')))).toBe(
      'ErrSidecarActivePurposeMismatch',
    );
    expect(errorName(() => parseSidecar('not json'))).toBe('ErrSidecarMalformed');
    expect(errorName(() => parseSidecar('[]'))).toBe('ErrSidecarMalformed');
    expect(errorName(() => parseSidecar('{"version": 2, "raft_applied_index": -1}'))).toBe('ErrSidecarMalformed');
    expect(
      errorName(() => parseSidecar(withKeys(`{"9": {"purpose": "raft", "wrapped": "%%%", "local_epoch": 0}}`))),
    ).toBe('ErrSidecarMalformed');
    expect(
      errorName(() => parseSidecar(withKeys(`{"9": {"purpose": "raft", "wrapped": "", "local_epoch": 65536}}`))),
    ).toBe('ErrSidecarMalformed');
  });

  it('validates before every write', () => {
    const bad: Sidecar = { ...sample(), active: { storage: 1, raft: 0 } };
    expect(errorName(() => serializeSidecar(bad))).toBe('ErrSidecarActiveKeyMissing');
    const mismatch: Sidecar = { ...sample(), active: { storage: 2596069104, raft: 2596069104 } };
    expect(errorName(() => serializeSidecar(mismatch))).toBe('ErrSidecarActivePurposeMismatch');
  });
});
