/**
 * ApplyPipeline.applyNormalEntries (issue 14): the committed entries of one
 * Ready applied into ONE store batch with the applied index of the last
 * applied entry, with the same results as applying them one by one, and the
 * halt rules of spec §5.4 (entries before a halting entry applied exactly
 * once, the applied index stays below it).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Entry } from '../raft/types.js';
import { hlcTimestamp } from '../storage/index.js';
import type { EncryptionApplier } from './encryption-applier.js';
import { encodeKvPayload, encodeLeaseRenewal, type KvRequest } from './fsm-payload.js';
import type { PipelineOutcome } from './apply-pipeline.js';
import { openKvNode, proposalEntry, rawEntry, seededRandom, text, utf8, type KvNode } from './test/kv-fixture.js';

const single = (request: KvRequest): Uint8Array => encodeKvPayload({ kind: 'single', request });
const put = (key: string, value: string, ms: number): Uint8Array =>
  single({ kind: 'put', commitTs: hlcTimestamp(BigInt(ms), 0n), key: utf8(key), value: utf8(value), ttlMs: 0n });
const cas = (key: string, expected: string | null, next: string, ms: number): Uint8Array =>
  single({
    kind: 'compareAndSet',
    commitTs: hlcTimestamp(BigInt(ms), 0n),
    key: utf8(key),
    expected: expected === null ? null : utf8(expected),
    newValue: utf8(next),
  });
const del = (key: string, ms: number): Uint8Array =>
  single({ kind: 'delete', commitTs: hlcTimestamp(BigInt(ms), 0n), key: utf8(key) });
const HALT_TEST_DOUBLE = Uint8Array.of(0x06, 0x01);

/** A log mixing every kind of normal entry, several touching the same keys (so later entries read earlier ones). */
function randomLog(seed: number, length: number): Entry[] {
  const random = seededRandom(seed);
  const pick = (n: number): number => random.nextUint32() % n;
  const log: Entry[] = [];
  for (let index = 1; index <= length; index += 1) {
    const key = `k${pick(3)}`;
    // Proposed timestamps sometimes go backwards: the executor re-stamps them.
    const ms = 100 + index * 2 - pick(5);
    switch (pick(8)) {
      case 0:
        log.push(rawEntry(index, new Uint8Array(0)));
        break;
      case 1:
        log.push(proposalEntry(index, encodeLeaseRenewal(1_000 + index)));
        break;
      case 2:
        log.push(proposalEntry(index, del(key, ms)));
        break;
      case 3:
        log.push(proposalEntry(index, cas(key, null, `v${index}`, ms)));
        break;
      case 4:
        log.push(proposalEntry(index, cas(key, `v${index - 1 - pick(2)}`, `v${index}`, ms)));
        break;
      case 5:
        log.push(proposalEntry(index, Uint8Array.of(0x0a)));
        break;
      default:
        log.push(proposalEntry(index, put(key, `v${index}`, ms)));
    }
  }
  return log;
}

/** Splits `log` into consecutive runs of 1-6 entries. */
function randomRuns(seed: number, log: readonly Entry[]): Entry[][] {
  const random = seededRandom(seed);
  const runs: Entry[][] = [];
  for (let start = 0; start < log.length;) {
    const length = 1 + (random.nextUint32() % 6);
    runs.push(log.slice(start, start + length));
    start += length;
  }
  return runs;
}

const summary = (outcome: PipelineOutcome): unknown =>
  outcome.kind === 'applied'
    ? { index: outcome.index, response: outcome.response }
    : outcome.kind === 'skipped'
      ? { index: outcome.index, why: outcome.why }
      : { halt: outcome.halt.index };

describe('ApplyPipeline.applyNormalEntries (one store batch per Ready)', () => {
  let dir: string;
  const nodes: KvNode[] = [];
  const open = async (name: string): Promise<KvNode> => {
    const node = await openKvNode(path.join(dir, name));
    nodes.push(node);
    return node;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-apply-batch-'));
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the responses and the store of applying the entries one by one', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const log = randomLog(seed, 60);
      const serial = await open(`serial-${seed}`);
      const batched = await open(`batched-${seed}`);
      const serialOutcomes: unknown[] = [];
      for (const entry of log) serialOutcomes.push(summary(await serial.pipeline.applyNormalEntry(entry)));
      const batchedOutcomes: unknown[] = [];
      for (const run of randomRuns(seed * 31, log)) {
        for (const outcome of await batched.pipeline.applyNormalEntries(run)) batchedOutcomes.push(summary(outcome));
      }
      expect(batchedOutcomes).toEqual(serialOutcomes);
      expect(await batched.storage.state.exportContents()).toEqual(await serial.storage.state.exportContents());
      expect(batched.pipeline.appliedIndex()).toBe(log.length);
      expect(batched.hlc.ceilingMs()).toBe(serial.hlc.ceilingMs());
    }
  });

  it('writes the whole run as one store commit carrying the last index, and resolves proposals only after it', async () => {
    const node = await open('n1');
    const commit = vi.spyOn(node.storage.state, 'commit');
    const first = node.proposals.register();
    const appliedWhenResolved = first.applied.then(() => node.pipeline.appliedIndex());
    const run = [
      proposalEntry(1, put('a', '1', 100), first.id),
      rawEntry(2, new Uint8Array(0)),
      proposalEntry(3, cas('a', '1', '2', 101)),
      proposalEntry(4, encodeLeaseRenewal(5_000)),
      proposalEntry(5, put('b', '3', 102)),
    ];
    const outcomes = await node.pipeline.applyNormalEntries(run);
    expect(outcomes.map((o) => o.kind)).toEqual(['applied', 'skipped', 'applied', 'applied', 'applied']);
    expect(outcomes[2]).toMatchObject({ response: { kind: 'compareAndSet', succeeded: true } });
    expect(commit).toHaveBeenCalledTimes(1);
    expect(commit.mock.calls[0]![1]).toMatchObject({ appliedIndex: 5, sync: false });
    expect(await appliedWhenResolved).toBe(5);
    expect(text(await node.fsm.get(utf8('a')))).toBe('2');
    expect(node.storage.state.appliedIndex()).toBe(5);
  });

  it('on a halt in the middle applies the entries before it exactly once and stops below it, again after a restart', async () => {
    let node = await open('n1');
    const pendings = [1, 2, 3, 4].map(() => node.proposals.register());
    const run = [
      proposalEntry(1, put('a', '1', 100), pendings[0]!.id),
      proposalEntry(2, cas('a', '1', '2', 101), pendings[1]!.id),
      proposalEntry(3, HALT_TEST_DOUBLE, pendings[2]!.id),
      proposalEntry(4, put('c', '4', 103), pendings[3]!.id),
    ];
    const outcomes = await node.pipeline.applyNormalEntries(run);
    expect(outcomes.map((o) => o.kind)).toEqual(['applied', 'applied', 'halted']);
    expect(outcomes[2]).toMatchObject({ halt: { index: 3 } });
    expect(node.pipeline.appliedIndex()).toBe(2);
    expect(outcomes.slice(0, 2).map((o) => o.kind === 'applied' && o.resolved)).toEqual([true, true]);
    expect(node.proposals.pendingCount()).toBe(2);
    expect(await node.fsm.get(utf8('c'))).toBeNull();
    await node.close();
    nodes.splice(nodes.indexOf(node), 1);

    node = await open('n1');
    const again = await node.pipeline.applyNormalEntries(run);
    expect(again.map((o) => (o.kind === 'skipped' ? o.why : o.kind))).toEqual(['duplicate', 'duplicate', 'halted']);
    expect(node.pipeline.appliedIndex()).toBe(2);
    expect((await node.storage.state.versions(utf8('a'))).map((v) => text(v.value))).toEqual(['2', '1']);
    expect(await node.fsm.get(utf8('c'))).toBeNull();
  });

  it('writes the entries before an encryption-band entry before the band applier runs, and its index at once', async () => {
    const node = await open('n1');
    const seen: (string | null)[] = [];
    const applier: EncryptionApplier = {
      apply: async ({ store }) => {
        seen.push(`${text(await store.get(utf8('a'), hlcTimestamp(10_000n, 0n)))}@${store.appliedIndex()}`);
        return { kind: 'encryption', detail: 'registration' };
      },
    };
    node.fsm.setEncryptionApplier(applier);
    const run = [
      proposalEntry(1, put('a', '1', 100)),
      proposalEntry(2, Uint8Array.of(0x03, 0x01)),
      proposalEntry(3, put('a', '2', 101)),
    ];
    const setAppliedIndex = vi.spyOn(node.storage.state, 'setAppliedIndex');
    const outcomes = await node.pipeline.applyNormalEntries(run);
    expect(outcomes.map((o) => o.kind)).toEqual(['applied', 'applied', 'applied']);
    expect(seen).toEqual(['1@1']);
    expect(setAppliedIndex.mock.calls.map((call) => call[0])).toEqual([2]);
    expect(node.pipeline.appliedIndex()).toBe(3);
    expect(text(await node.fsm.get(utf8('a')))).toBe('2');
  });
});
