/**
 * The server's startup sequence on real storage, end to end: open, load,
 * recover from the snapshot, replay committed entries (duplicates skipped,
 * leases re-applied, the halt reproduced at the same index).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { asLogIndex, asNodeId, asTerm, EntryType } from '../raft/types.js';
import type { ConfState, Entry } from '../raft/types.js';
import { hlcTimestamp } from '../storage/index.js';
import { encodeKvPayload, encodeLeaseRenewal } from './fsm-payload.js';
import { recoverFromSnapshot, replayCommittedEntries } from './startup-recovery.js';
import { openKvNode, proposalEntry, text, utf8, type KvNode } from './test/kv-fixture.js';

const put = (key: string, value: string, ms: number): Uint8Array =>
  encodeKvPayload({
    kind: 'single',
    request: { kind: 'put', commitTs: hlcTimestamp(BigInt(ms), 0n), key: utf8(key), value: utf8(value), ttlMs: 0n },
  });
const confState: ConfState = { voters: [asNodeId('n1')], learners: [] };
const confChangeEntry = (index: number): Entry => ({
  index: asLogIndex(index),
  term: asTerm(1),
  type: EntryType.ConfChange,
  data: utf8('add n2'),
});
const hardState = (commit: number) => ({ term: asTerm(1), vote: asNodeId('n1'), commit: asLogIndex(commit) });

describe('startup recovery and replay', () => {
  let dir: string;
  const opened: KvNode[] = [];
  const open = async (name: string): Promise<KvNode> => {
    const node = await openKvNode(path.join(dir, name));
    opened.push(node);
    return node;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-startup-'));
  });
  afterEach(async () => {
    for (const node of opened.splice(0)) await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The server's apply loop for one batch of committed entries. */
  const applyAll = async (node: KvNode, entries: readonly Entry[], confChanges: Entry[]): Promise<void> => {
    for (const entry of entries) {
      if (entry.type === EntryType.ConfChange) {
        confChanges.push(entry);
        await node.pipeline.advanceOver(entry.index);
      } else if ((await node.pipeline.applyNormalEntry(entry)).kind === 'halted') {
        return;
      }
    }
  };

  it('replays after a snapshot: adopts its ceiling, re-applies leases, skips duplicates, re-halts at the same index', async () => {
    let node = await open('n1');
    const confChanges: Entry[] = [];
    const first = [
      proposalEntry(1, put('a', '1', 100)),
      proposalEntry(2, encodeLeaseRenewal(1_000)),
      confChangeEntry(3),
      proposalEntry(4, put('b', '2', 200)),
    ];
    await node.storage.log.append(first, hardState(4));
    await applyAll(node, first, confChanges);
    const data = await node.fsm.snapshot(utf8('address book'));
    await node.storage.log.saveSnapshot({
      metadata: { index: node.fsm.appliedIndex(), term: asTerm(1), confState },
      data,
    });
    await node.storage.log.compact(asLogIndex(4));
    const second = [
      proposalEntry(5, encodeLeaseRenewal(2_000)),
      proposalEntry(6, put('c', '3', 300)),
      proposalEntry(7, Uint8Array.of(0x07)),
      proposalEntry(8, put('d', '4', 400)),
    ];
    await node.storage.log.append(second, hardState(8));
    await applyAll(node, second, confChanges);
    expect(node.pipeline.halted()).toMatchObject({ index: 7 });
    expect(confChanges.map((e) => e.index)).toEqual([3]);

    await node.close();
    opened.splice(0);
    node = await open('n1');
    const loaded = await node.storage.log.load();
    expect(loaded.entries.map((e) => e.index)).toEqual([5, 6, 7, 8]);
    const recovery = await recoverFromSnapshot(node.fsm, loaded.snapshot);
    expect(recovery).toMatchObject({ restored: false, header: { format: 'v1', ceilingMs: 1_000 } });
    expect(node.hlc.ceilingMs()).toBe(1_000);
    const replayedConfChanges: Entry[] = [];
    const result = await replayCommittedEntries({
      pipeline: node.pipeline,
      entries: loaded.entries,
      commitIndex: loaded.hardState!.commit,
      applyConfChange: async (entry) => {
        replayedConfChanges.push(entry);
      },
    });
    expect(result).toMatchObject({ appliedIndex: 6, halt: { index: 7, reason: 'ErrEncryptionApply' } });
    expect(node.hlc.ceilingMs()).toBe(2_000);
    expect(replayedConfChanges).toEqual([]);
    expect(text(await node.fsm.get(utf8('c')))).toBe('3');
    expect(await node.fsm.get(utf8('d'))).toBeNull();
  });

  it('applies committed conf changes above the applied index and stops at the commit index', async () => {
    const node = await open('n1');
    const entries = [proposalEntry(1, put('a', '1', 100)), confChangeEntry(2), proposalEntry(3, put('b', '2', 200))];
    await node.storage.log.append(entries, hardState(2));
    const seen: number[] = [];
    const result = await replayCommittedEntries({
      pipeline: node.pipeline,
      entries,
      commitIndex: asLogIndex(2),
      applyConfChange: async (e) => void seen.push(e.index),
    });
    expect(result).toEqual({ appliedIndex: 2, halt: null });
    expect(seen).toEqual([2]);
    expect(await node.fsm.get(utf8('b'))).toBeNull();
  });

  it('restores the FSM when an installed snapshot is ahead of the store (crash between save and restore)', async () => {
    const leader = await open('leader');
    const entries = [
      proposalEntry(1, put('a', '1', 100)),
      proposalEntry(2, encodeLeaseRenewal(9_000)),
      proposalEntry(3, put('b', '2', 200)),
    ];
    await applyAll(leader, entries, []);
    await leader.fsm.markApplied(asLogIndex(3));
    const data = await leader.fsm.snapshot();

    const follower = await open('follower');
    await follower.storage.log.saveSnapshot({ metadata: { index: asLogIndex(3), term: asTerm(1), confState }, data });
    // "crash" here: the store was never restored.
    await follower.close();
    opened.splice(opened.indexOf(follower), 1);
    const restarted = await open('follower');
    const loaded = await restarted.storage.log.load();
    expect(restarted.fsm.appliedIndex()).toBe(0);
    expect(await recoverFromSnapshot(restarted.fsm, loaded.snapshot)).toMatchObject({ restored: true });
    expect(restarted.fsm.appliedIndex()).toBe(3);
    expect(restarted.hlc.ceilingMs()).toBe(9_000);
    expect(text(await restarted.fsm.get(utf8('b')))).toBe('2');
    expect(await recoverFromSnapshot(restarted.fsm, null)).toBeNull();
  });
});
