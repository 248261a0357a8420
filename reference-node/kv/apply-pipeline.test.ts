import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { asLogIndex } from '../raft/types.js';
import { hlcTimestamp } from '../storage/index.js';
import { encodeKvPayload, encodeLeaseRenewal } from './fsm-payload.js';
import type { EncryptionApplier } from './encryption-applier.js';
import type { RaftUnwrapper } from './raft-unwrapper.js';
import { openKvNode, proposalEntry, rawEntry, text, utf8, type KvNode } from './test/kv-fixture.js';

const put = (key: string, value: string, ms: number): Uint8Array =>
  encodeKvPayload({
    kind: 'single',
    request: { kind: 'put', commitTs: hlcTimestamp(BigInt(ms), 0n), key: utf8(key), value: utf8(value), ttlMs: 0n },
  });
const HALT_TEST_DOUBLE = Uint8Array.of(0x06, 0x01);
const xor = (bytes: Uint8Array): Uint8Array => bytes.map((b) => b ^ 0xff);

describe('ApplyPipeline (spec §5.5)', () => {
  let dir: string;
  let dataDir: string;
  let node: KvNode;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-pipeline-'));
    dataDir = path.join(dir, 'n1');
    node = await openKvNode(dataDir);
  });
  afterEach(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  const restart = async (options: Parameters<typeof openKvNode>[1] = {}): Promise<KvNode> => {
    await node.close();
    node = await openKvNode(dataDir, options);
    return node;
  };

  it('skips empty and non-envelope entries (advancing the applied index) and resolves applied proposals', async () => {
    expect(await node.pipeline.applyNormalEntry(rawEntry(1, new Uint8Array(0)))).toMatchObject({
      kind: 'skipped',
      why: 'empty',
    });
    expect(await node.pipeline.applyNormalEntry(rawEntry(2, Uint8Array.of(0x07, 1, 2)))).toMatchObject({
      kind: 'skipped',
      why: 'notEnvelope',
    });
    expect(node.pipeline.appliedIndex()).toBe(2);
    const pending = node.proposals.register();
    const outcome = await node.pipeline.applyNormalEntry(proposalEntry(3, put('k', 'v', 100), pending.id));
    expect(outcome).toMatchObject({ kind: 'applied', index: 3, resolved: true });
    await expect(pending.applied).resolves.toMatchObject({ index: 3, response: { kind: 'put' } });
    expect(node.pipeline.appliedIndex()).toBe(3);
    // Another node's proposal: applied, nobody to resolve.
    expect(await node.pipeline.applyNormalEntry(proposalEntry(4, put('k', 'w', 101), 999n))).toMatchObject({
      kind: 'applied',
      resolved: false,
    });
    await node.pipeline.advanceOver(asLogIndex(5));
    expect(node.pipeline.appliedIndex()).toBe(5);
  });

  it('advances over ordinary apply errors (legacy / undecodable payloads never halt)', async () => {
    expect(await node.pipeline.applyNormalEntry(proposalEntry(1, Uint8Array.of(0x0a, 0x00)))).toMatchObject({
      kind: 'applied',
      response: { kind: 'error', code: 'LegacyDecodeFailed' },
    });
    // A raft envelope reaching an inert node starts with 0x01 and mis-decodes as a batch: skipped silently (H1).
    expect(
      await node.pipeline.applyNormalEntry(proposalEntry(2, Uint8Array.of(0x01, 0x00, 0x00, 0x00, 0x00, 0x07))),
    ).toMatchObject({ response: { code: 'KvDecodeFailed' } });
    expect(node.pipeline.appliedIndex()).toBe(2);
  });

  it('halts without advancing the applied index or resolving the proposal, and stays halted', async () => {
    await node.pipeline.applyNormalEntry(proposalEntry(1, put('a', '1', 100)));
    const pending = node.proposals.register();
    const outcome = await node.pipeline.applyNormalEntry(proposalEntry(2, HALT_TEST_DOUBLE, pending.id));
    expect(outcome).toMatchObject({ kind: 'halted', halt: { reason: 'ErrEncryptionApply', index: 2 } });
    expect(node.pipeline.appliedIndex()).toBe(1);
    expect(node.proposals.pendingCount()).toBe(1);
    expect(await node.pipeline.applyNormalEntry(proposalEntry(3, put('b', '2', 101)))).toMatchObject({
      kind: 'halted',
      halt: { index: 2 },
    });
    await expect(node.pipeline.advanceOver(asLogIndex(3))).rejects.toThrow(/after the halt at 2/);
    expect(node.pipeline.appliedIndex()).toBe(1);
    expect(await node.fsm.get(utf8('b'))).toBeNull();
    expect(node.pipeline.halted()).toMatchObject({ index: 2 });
  });

  it('replays after a restart and halts again at the same index', async () => {
    const log = [
      proposalEntry(1, put('a', '1', 100)),
      proposalEntry(2, HALT_TEST_DOUBLE),
      proposalEntry(3, put('b', '2', 101)),
    ];
    for (const entry of log) await node.pipeline.applyNormalEntry(entry);
    for (let attempt = 0; attempt < 2; attempt++) {
      await restart();
      expect(node.pipeline.appliedIndex()).toBe(1);
      const outcomes = [];
      for (const entry of log) outcomes.push(await node.pipeline.applyNormalEntry(entry));
      expect(outcomes.map((o) => o.kind)).toEqual(['skipped', 'halted', 'halted']);
      expect(outcomes[1]).toMatchObject({ halt: { index: 2, reason: 'ErrEncryptionApply' } });
      expect(node.pipeline.appliedIndex()).toBe(1);
    }
  });

  it('skips duplicate data-mutating entries on replay but re-applies lease entries', async () => {
    const log = [
      proposalEntry(1, put('k', 'v1', 100)),
      proposalEntry(2, encodeLeaseRenewal(5_000_000)),
      proposalEntry(3, put('k', 'v2', 200)),
      proposalEntry(
        4,
        encodeKvPayload({
          kind: 'single',
          request: {
            kind: 'compareAndSet',
            commitTs: hlcTimestamp(300n, 0n),
            key: utf8('k'),
            expected: utf8('v2'),
            newValue: utf8('v3'),
          },
        }),
      ),
    ];
    for (const entry of log) await node.pipeline.applyNormalEntry(entry);
    expect(text(await node.fsm.get(utf8('k')))).toBe('v3');
    await restart();
    expect(node.hlc.ceilingMs()).toBe(0);
    const outcomes = [];
    for (const entry of log) outcomes.push(await node.pipeline.applyNormalEntry(entry));
    expect(outcomes.map((o) => (o.kind === 'skipped' ? o.why : o.kind))).toEqual([
      'duplicate',
      'applied',
      'duplicate',
      'duplicate',
    ]);
    expect(node.hlc.ceilingMs()).toBe(5_000_000);
    // Re-applying the CAS would have failed (current is v3): the state shows it was not re-run.
    expect(text(await node.fsm.get(utf8('k')))).toBe('v3');
    expect(node.pipeline.appliedIndex()).toBe(4);
    expect(node.hlc.now() > hlcTimestamp(300n, 0n)).toBe(true);
    await node.pipeline.applyNormalEntry(proposalEntry(5, put('k', 'v5', 400)));
    expect(node.pipeline.appliedIndex()).toBe(5);
  });

  it('drops encryption-band entries at or below the durable applied index on replay (never re-delivered to the applier)', async () => {
    const delivered: number[] = [];
    const applier: EncryptionApplier = {
      apply: async ({ index }) => {
        delivered.push(index);
        return { kind: 'encryption', detail: 'registration' };
      },
    };
    node.fsm.setEncryptionApplier(applier);
    const log = [
      proposalEntry(1, Uint8Array.of(0x03, 0x01)),
      proposalEntry(2, put('k', 'v', 100)),
      proposalEntry(3, Uint8Array.of(0x03, 0x01)),
    ];
    for (const entry of log) await node.pipeline.applyNormalEntry(entry);
    expect(delivered).toEqual([1, 3]);
    expect(node.pipeline.appliedIndex()).toBe(3);
    await restart();
    node.fsm.setEncryptionApplier(applier);
    const outcomes = [];
    for (const entry of log) outcomes.push(await node.pipeline.applyNormalEntry(entry));
    expect(outcomes.map((o) => (o.kind === 'skipped' ? o.why : o.kind))).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(delivered).toEqual([1, 3]);
    expect(await node.pipeline.applyNormalEntry(proposalEntry(4, Uint8Array.of(0x04)))).toMatchObject({
      kind: 'applied',
      response: { kind: 'encryption' },
    });
    expect(delivered).toEqual([1, 3, 4]);
  });

  it('unwraps only entries strictly above the cutover; an unwrap failure halts with ErrRaftUnwrapFailed', async () => {
    const unwrapper: RaftUnwrapper = {
      cutoverIndex: () => 5,
      unwrap(payload, index) {
        if (index === 8) throw new Error('ErrIntegrity: tag mismatch');
        return xor(payload);
      },
    };
    await restart({ unwrapper });
    await node.pipeline.applyNormalEntry(proposalEntry(5, put('cut', 'cleartext at the cutover', 100)));
    await node.pipeline.applyNormalEntry(proposalEntry(6, xor(put('above', 'wrapped', 101))));
    expect(text(await node.fsm.get(utf8('cut')))).toBe('cleartext at the cutover');
    expect(text(await node.fsm.get(utf8('above')))).toBe('wrapped');
    await node.pipeline.applyNormalEntry(proposalEntry(7, xor(encodeLeaseRenewal(77))));
    expect(node.hlc.ceilingMs()).toBe(77);
    const outcome = await node.pipeline.applyNormalEntry(proposalEntry(8, xor(put('x', 'y', 102))));
    expect(outcome).toMatchObject({
      kind: 'halted',
      halt: { reason: 'ErrRaftUnwrapFailed', index: 8, message: /tag mismatch/ },
    });
    expect(node.pipeline.appliedIndex()).toBe(7);
  });

  it('never unwraps while the cutover is 0 (not "index > 0")', async () => {
    const unwrapper: RaftUnwrapper = {
      cutoverIndex: () => 0,
      unwrap: () => {
        throw new Error('must not be called');
      },
    };
    await restart({ unwrapper });
    expect(await node.pipeline.applyNormalEntry(proposalEntry(1, put('k', 'v', 100)))).toMatchObject({
      kind: 'applied',
    });
  });
});
