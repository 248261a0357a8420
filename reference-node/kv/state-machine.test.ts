import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { asLogIndex } from '../raft/types.js';
import { hlcTimestamp } from '../storage/index.js';
import { HaltError, type ApplyResult, type FsmResponse } from './apply-result.js';
import type { EncryptionApplier } from './encryption-applier.js';
import { encodeKvPayload, encodeLeaseRenewal, type KvRequest } from './fsm-payload.js';
import { readSnapshotHeader } from './snapshot-header.js';
import { openKvNode, text, utf8, type KvNode } from './test/kv-fixture.js';

const at = (ms: number, logical = 0): bigint => hlcTimestamp(BigInt(ms), BigInt(logical));
const single = (request: KvRequest): Uint8Array => encodeKvPayload({ kind: 'single', request });
const putAt = (key: string, value: string, commitTs: bigint, ttlMs = 0n): Uint8Array =>
  single({ kind: 'put', commitTs, key: utf8(key), value: utf8(value), ttlMs });
const responseOf = (result: ApplyResult): FsmResponse => {
  if (result.kind !== 'response') throw new Error(`expected a response, got a halt: ${result.error.message}`);
  return result.response;
};

describe('StateMachine', () => {
  let dir: string;
  let node: KvNode;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-fsm-'));
    node = await openKvNode(path.join(dir, 'n1'));
  });
  afterEach(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies put, CAS and delete with deterministic responses, committing the applied index with them', async () => {
    const { fsm } = node;
    expect(responseOf(await fsm.apply(asLogIndex(1), putAt('k', 'v1', at(100))))).toEqual({
      kind: 'put',
      commitTs: at(100),
    });
    expect(fsm.appliedIndex()).toBe(1);
    const casFail = single({
      kind: 'compareAndSet',
      commitTs: at(101),
      key: utf8('k'),
      expected: utf8('nope'),
      newValue: utf8('x'),
    });
    expect(responseOf(await fsm.apply(asLogIndex(2), casFail))).toMatchObject({
      kind: 'compareAndSet',
      succeeded: false,
      current: utf8('v1'),
    });
    const casOk = single({
      kind: 'compareAndSet',
      commitTs: at(102),
      key: utf8('k'),
      expected: utf8('v1'),
      newValue: utf8('v2'),
    });
    expect(responseOf(await fsm.apply(asLogIndex(3), casOk))).toMatchObject({ kind: 'compareAndSet', succeeded: true });
    expect(text(await fsm.get(utf8('k')))).toBe('v2');
    expect(
      responseOf(await fsm.apply(asLogIndex(4), single({ kind: 'delete', commitTs: at(103), key: utf8('k') }))),
    ).toMatchObject({ existed: true });
    expect(await fsm.get(utf8('k'))).toBeNull();
    expect(
      responseOf(await fsm.apply(asLogIndex(5), single({ kind: 'delete', commitTs: at(104), key: utf8('k') }))),
    ).toMatchObject({ existed: false });
    const casAbsent = single({
      kind: 'compareAndSet',
      commitTs: at(105),
      key: utf8('k'),
      expected: null,
      newValue: utf8('fresh'),
    });
    expect(responseOf(await fsm.apply(asLogIndex(6), casAbsent))).toMatchObject({ succeeded: true, current: null });
    expect(fsm.appliedIndex()).toBe(6);
  });

  it('re-stamps stale proposer timestamps above the highest applied one, identically on every replica', async () => {
    await node.fsm.apply(asLogIndex(1), putAt('k', 'new leader clock ahead', at(500)));
    const stale = responseOf(await node.fsm.apply(asLogIndex(2), putAt('k', 'old leader clock behind', at(400))));
    expect(stale).toEqual({ kind: 'put', commitTs: at(500, 1) });
    expect(text(await node.fsm.get(utf8('k')))).toBe('old leader clock behind');
    expect(node.hlc.now() > at(500, 1)).toBe(true);
  });

  it('applies a batch atomically in order, later requests seeing earlier ones', async () => {
    const requests: KvRequest[] = [
      { kind: 'put', commitTs: at(10), key: utf8('a'), value: utf8('1'), ttlMs: 0n },
      { kind: 'compareAndSet', commitTs: at(10), key: utf8('a'), expected: utf8('1'), newValue: utf8('2') },
      { kind: 'delete', commitTs: at(10), key: utf8('b') },
    ];
    const response = responseOf(await node.fsm.apply(asLogIndex(1), encodeKvPayload({ kind: 'batch', requests })));
    expect(response).toMatchObject({
      kind: 'batch',
      responses: [
        { kind: 'put', commitTs: at(10) },
        { kind: 'compareAndSet', succeeded: true, commitTs: at(10, 1) },
        { kind: 'delete', existed: false },
      ],
    });
    expect(text(await node.fsm.get(utf8('a')))).toBe('2');
  });

  it('expires values with a TTL relative to their commit timestamp', async () => {
    node.clock.ms = 1_000;
    await node.fsm.apply(asLogIndex(1), putAt('t', 'short-lived', at(1_000), 50n));
    expect(text(await node.fsm.get(utf8('t'), at(1_049)))).toBe('short-lived');
    expect(await node.fsm.get(utf8('t'), at(1_050))).toBeNull();
    node.clock.ms = 2_000;
    expect(await node.fsm.get(utf8('t'))).toBeNull();
  });

  it('raises the HLC ceiling on a lease entry without touching the store', async () => {
    const response = responseOf(await node.fsm.apply(asLogIndex(1), encodeLeaseRenewal(9_999_999_999_999)));
    expect(response).toEqual({ kind: 'leaseRenewal', ceilingMs: 9_999_999_999_999 });
    expect(node.hlc.ceilingMs()).toBe(9_999_999_999_999);
    expect(node.fsm.appliedIndex()).toBe(0);
  });

  it('halts on every encryption-band opcode when no applier is wired', async () => {
    for (const opcode of [0x03, 0x04, 0x05, 0x06, 0x07]) {
      const result = await node.fsm.apply(asLogIndex(1), Uint8Array.of(opcode, 0x01));
      expect(result).toMatchObject({ kind: 'halt', error: { reason: 'ErrEncryptionApply' } });
    }
    expect(node.fsm.appliedIndex()).toBe(0);
  });

  it('routes 0x03-0x05 to a wired applier, but 0x06/0x07 still halt as unknown opcodes', async () => {
    const seen: number[] = [];
    const applier: EncryptionApplier = {
      apply: async ({ payload, store }) => {
        seen.push(payload[0]!);
        if (payload[0] === 0x05) throw new HaltError('ErrEncryptionApply', 'rotation refused');
        await store.putRaw(utf8('!encryption|writers|x'), utf8('row'));
        return { kind: 'encryption', detail: 'registered' };
      },
    };
    node.fsm.setEncryptionApplier(applier);
    expect(responseOf(await node.fsm.apply(asLogIndex(1), Uint8Array.of(0x03)))).toEqual({
      kind: 'encryption',
      detail: 'registered',
    });
    expect(await node.fsm.apply(asLogIndex(2), Uint8Array.of(0x05))).toMatchObject({
      kind: 'halt',
      error: { message: /rotation refused/ },
    });
    expect(await node.fsm.apply(asLogIndex(2), Uint8Array.of(0x06))).toMatchObject({
      kind: 'halt',
      error: { message: /unknown encryption opcode 0x06/ },
    });
    expect(await node.fsm.apply(asLogIndex(2), Uint8Array.of(0x07))).toMatchObject({ kind: 'halt' });
    expect(seen).toEqual([0x03, 0x05]);
  });

  it('answers undecodable KV payloads and legacy payloads with ordinary error responses (no halt)', async () => {
    expect(responseOf(await node.fsm.apply(asLogIndex(1), Uint8Array.of(0x01, 0x00)))).toMatchObject({
      kind: 'error',
      code: 'KvDecodeFailed',
    });
    expect(responseOf(await node.fsm.apply(asLogIndex(2), Uint8Array.of(0x0a, 0x03)))).toMatchObject({
      kind: 'error',
      code: 'LegacyDecodeFailed',
    });
    expect(responseOf(await node.fsm.apply(asLogIndex(3), new Uint8Array(0)))).toMatchObject({
      kind: 'error',
      code: 'LegacyDecodeFailed',
    });
  });

  it('round-trips a snapshot: MVCC rows, raw rows, applied index, ceiling and the application blob', async () => {
    await node.fsm.apply(asLogIndex(1), putAt('k', 'v', at(100)));
    await node.fsm.apply(asLogIndex(2), encodeLeaseRenewal(123_456));
    await node.fsm.markApplied(asLogIndex(2));
    await node.storage.state.putRaw(utf8('!encryption|writers|r'), utf8('registry'));
    const bytes = await node.fsm.snapshot(utf8('{"n1":"127.0.0.1:7001"}'));
    expect(readSnapshotHeader(bytes)).toMatchObject({ format: 'v1', ceilingMs: 123_456 });

    const other = await openKvNode(path.join(dir, 'n2'));
    try {
      await other.fsm.apply(asLogIndex(1), putAt('stale', 'gone', at(50)));
      const restored = await other.fsm.restore(bytes);
      expect(restored.appliedIndex).toBe(2);
      expect(text(restored.applicationBlob)).toBe('{"n1":"127.0.0.1:7001"}');
      expect(other.fsm.appliedIndex()).toBe(2);
      expect(other.hlc.ceilingMs()).toBe(123_456);
      expect(text(await other.fsm.get(utf8('k')))).toBe('v');
      expect(await other.fsm.get(utf8('stale'))).toBeNull();
      expect(text(await other.storage.state.getRaw(utf8('!encryption|writers|r')))).toBe('registry');
      expect(other.hlc.now() > at(100)).toBe(true);
      // A snapshot of the restored node is byte-identical (same rows, same header).
      expect(Buffer.from(await other.fsm.snapshot(utf8('{"n1":"127.0.0.1:7001"}'))).equals(Buffer.from(bytes))).toBe(
        true,
      );
    } finally {
      await other.close();
    }
  });

  it('writes a v2 header once a cutover exists and keeps it (no downgrade), restoring the cutover', async () => {
    let cutover = 0;
    const reports: number[] = [];
    await node.close();
    node = await openKvNode(path.join(dir, 'n1'), {
      fsm: { cutoverIndex: () => cutover, onSnapshotHeaderDowngrade: (c) => reports.push(c) },
    });
    expect(readSnapshotHeader(await node.fsm.snapshot()).format).toBe('v1');
    cutover = 17;
    const v2 = await node.fsm.snapshot();
    expect(readSnapshotHeader(v2)).toMatchObject({ format: 'v2', cutoverIndex: 17 });
    cutover = 0;
    expect(readSnapshotHeader(await node.fsm.snapshot())).toMatchObject({ format: 'v2', cutoverIndex: 17 });
    expect(reports).toEqual([17]);
    await node.fsm.restore(v2);
    expect(node.fsm.restoredCutoverIndex()).toBe(17);
  });

  it('snapshots and restores a store of 100,000 rows (issue 14: the old encoder overflowed the stack)', async () => {
    const rows = 100_000;
    const batches = (prefix: string, count: number): Uint8Array[] => {
      const payloads: Uint8Array[] = [];
      for (let start = 0; start < count; start += 1024) {
        const requests: KvRequest[] = [];
        for (let i = start; i < Math.min(count, start + 1024); i++)
          requests.push({
            kind: 'put',
            commitTs: at(100),
            key: utf8(`${prefix}${i}`),
            value: utf8(`v${i}`),
            ttlMs: 0n,
          });
        payloads.push(encodeKvPayload({ kind: 'batch', requests }));
      }
      return payloads;
    };
    let index = 0;
    for (const payload of batches('k', rows)) await node.fsm.apply(asLogIndex(++index), payload);
    await node.storage.state.putRaw(utf8('!encryption|writers|r'), utf8('registry'));
    const bytes = await node.fsm.snapshot(utf8('blob'));

    const other = await openKvNode(path.join(dir, 'n2'));
    try {
      // More stale rows than one delete step reads: every one of them must go.
      let otherIndex = 0;
      for (const payload of batches('stale', 3000)) await other.fsm.apply(asLogIndex(++otherIndex), payload);
      const restored = await other.fsm.restore(bytes);
      expect(restored.appliedIndex).toBe(index);
      expect(text(restored.applicationBlob)).toBe('blob');
      for (const i of [0, 1, 54_321, rows - 1]) expect(text(await other.fsm.get(utf8(`k${i}`)))).toBe(`v${i}`);
      expect(await other.fsm.get(utf8('stale0'))).toBeNull();
      expect(await other.fsm.get(utf8('stale2999'))).toBeNull();
      expect(text(await other.storage.state.getRaw(utf8('!encryption|writers|r')))).toBe('registry');
      // Same rows, same header: the restored node's snapshot is byte-identical.
      expect(Buffer.from(await other.fsm.snapshot(utf8('blob'))).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      await other.close();
    }
  }, 120_000);

  it('refuses a corrupt snapshot without touching the store', async () => {
    await node.fsm.apply(asLogIndex(1), putAt('k', 'kept', at(100)));
    const bytes = await node.fsm.snapshot();
    await expect(node.fsm.restore(bytes.subarray(0, bytes.length - 3))).rejects.toMatchObject({
      code: 'ErrSnapshotPayloadMalformed',
    });
    const unknownMagic = Uint8Array.from(bytes);
    unknownMagic[7] = 0x39;
    await expect(node.fsm.restore(unknownMagic)).rejects.toMatchObject({ code: 'ErrSnapshotHeaderUnknownMagic' });
    expect(text(await node.fsm.get(utf8('k')))).toBe('kept');
  });
});
