import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { asLogIndex } from '../raft/types.js';
import { hlcTimestamp } from '../storage/index.js';
import { ApplyPipeline } from './apply-pipeline.js';
import { encodeKvPayload } from './fsm-payload.js';
import type { RaftUnwrapper } from './raft-unwrapper.js';
import { readSnapshotHeader, SnapshotHeaderWriter } from './snapshot-header.js';
import { openKvNode, proposalEntry, utf8, type KvNode } from './test/kv-fixture.js';

const WRAP_MARKER = 0xee;
/** A stand-in raft envelope: a marker byte; unwrapping anything else fails like a GCM tag mismatch. */
const markerUnwrapper = (cutover: number): RaftUnwrapper => ({
  cutoverIndex: () => cutover,
  unwrap(payload) {
    if (payload[0] !== WRAP_MARKER) throw new Error('ErrIntegrity: not a raft envelope');
    return payload.subarray(1);
  },
});
const put = (key: string, ms: number): Uint8Array =>
  encodeKvPayload({
    kind: 'single',
    request: { kind: 'put', commitTs: hlcTimestamp(BigInt(ms), 0n), key: utf8(key), value: utf8('v'), ttlMs: 0n },
  });

describe('kv catalogued bug switches (default off)', () => {
  let dir: string;
  const nodes: KvNode[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-bugs-'));
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('B4 (>= at the cutover) unwraps the cleartext marker entry and halts; the default applies it', async () => {
    for (const [name, bugs, expected] of [
      ['correct', {}, 'applied'],
      ['b4', { B4: true }, 'halted'],
    ] as const) {
      const node = await openKvNode(path.join(dir, name));
      nodes.push(node);
      const buggy = new ApplyPipeline({
        fsm: node.fsm,
        proposals: node.proposals,
        unwrapper: markerUnwrapper(5),
        bugs,
      });
      const outcome = await buggy.applyNormalEntry(proposalEntry(5, put('marker', 1)));
      expect(outcome.kind).toBe(expected);
      if (outcome.kind === 'halted') expect(outcome.halt).toMatchObject({ reason: 'ErrRaftUnwrapFailed', index: 5 });
      expect(
        await buggy.applyNormalEntry(proposalEntry(6, Uint8Array.of(WRAP_MARKER, ...put('above', 2)))),
      ).toMatchObject({ kind: expected });
    }
  });

  it('B40 (band only 0x03-0x05) sends 0x06 to the legacy decoder: an error response, no halt', async () => {
    const node = await openKvNode(path.join(dir, 'b40'), { fsm: { bugs: { B40: true } } });
    nodes.push(node);
    expect(await node.fsm.apply(asLogIndex(1), Uint8Array.of(0x06, 0x01))).toMatchObject({
      kind: 'response',
      response: { kind: 'error', code: 'LegacyDecodeFailed' },
    });
    expect(await node.fsm.apply(asLogIndex(1), Uint8Array.of(0x05, 0x01))).toMatchObject({ kind: 'halt' });
  });

  it('B42 lets the snapshot header writer downgrade from v2 to v1', () => {
    const writer = new SnapshotHeaderWriter(() => undefined, { latch: false });
    expect(readSnapshotHeader(writer.encode(1, 9)).format).toBe('v2');
    expect(readSnapshotHeader(writer.encode(1, 0)).format).toBe('v1');
  });
});
