import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeConfChange, encodeConfChange } from './conf-change.js';
import { RaftCodecError } from './errors.js';
import { decodeMessage, encodeMessage } from './message-codec.js';
import { allMessageTypes, makeMessage, MessageType, withSnapshotData, type Message } from './message.js';
import { asLogIndex, asNodeId, asTerm, EntryType, type ConfChange, type Entry, type Snapshot } from './types.js';

const nodeId = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).map(asNodeId);
const index = fc.maxSafeNat().map(asLogIndex);
const term = fc.maxSafeNat().map(asTerm);
const bytes = fc.uint8Array({ maxLength: 64 });

const entry: fc.Arbitrary<Entry> = fc.record({
  term,
  index,
  type: fc.constantFrom(EntryType.Normal, EntryType.ConfChange),
  data: bytes,
});

const snapshot: fc.Arbitrary<Snapshot> = fc.record({
  metadata: fc.record({
    index,
    term,
    confState: fc.record({ voters: fc.array(nodeId, { maxLength: 5 }), learners: fc.array(nodeId, { maxLength: 3 }) }),
  }),
  data: bytes,
});

const anyFields: fc.Arbitrary<Message> = fc.record({
  type: fc.constantFrom(...allMessageTypes),
  from: nodeId,
  to: nodeId,
  term,
  logTerm: term,
  index,
  entries: fc.array(entry, { maxLength: 5 }),
  commit: index,
  snapshot: fc.option(snapshot, { nil: null }),
  reject: fc.boolean(),
  rejectHint: index,
  context: bytes,
});

/** Valid messages: a snapshot travels exactly in Snapshot messages. */
const message: fc.Arbitrary<Message> = fc
  .tuple(anyFields, snapshot)
  .map(([m, s]) => (m.type === MessageType.Snapshot ? { ...m, snapshot: m.snapshot ?? s } : { ...m, snapshot: null }));

const confChange: fc.Arbitrary<ConfChange> = fc.record({
  type: fc.constantFrom('addVoter' as const, 'addLearner' as const, 'promote' as const, 'remove' as const),
  nodeId,
  context: bytes,
});

function expectOnlyCodecErrors(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(RaftCodecError);
  }
}

describe('message codec', () => {
  it('round-trips every message', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });

  it('omits snapshot data on request, and withSnapshotData restores the message', () => {
    fc.assert(
      fc.property(snapshot, nodeId, nodeId, (s, from, to) => {
        const m = makeMessage({ type: MessageType.Snapshot, from, to, term: asTerm(3), snapshot: s });
        const withoutData = encodeMessage(m, { omitSnapshotData: true });
        expect(withoutData.length).toBeLessThanOrEqual(encodeMessage(m).length);
        const decoded = decodeMessage(withoutData);
        expect(decoded.snapshot?.data).toEqual(new Uint8Array(0));
        expect(withSnapshotData(decoded, s.data)).toEqual(m);
      }),
    );
  });

  it('rejects withSnapshotData on other message types', () => {
    const m = makeMessage({ type: MessageType.Heartbeat, from: asNodeId('n1'), to: asNodeId('n2') });
    expect(() => withSnapshotData(m, new Uint8Array(1))).toThrow(/not a snapshot message/);
  });

  it('throws only RaftCodecError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expectOnlyCodecErrors(() => decodeMessage(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('throws only RaftCodecError on every truncation and on corrupted bytes of a valid message', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 255 }), (m, position, value) => {
        const encoded = encodeMessage(m);
        for (let cut = 0; cut < encoded.length; cut++) {
          expect(() => decodeMessage(encoded.subarray(0, cut))).toThrow(RaftCodecError);
        }
        const corrupted = encoded.slice();
        corrupted[position % corrupted.length] = value;
        expectOnlyCodecErrors(() => decodeMessage(corrupted));
      }),
      { numRuns: 100 },
    );
  });

  it('names the problem: trailing bytes, unknown type, empty node id', () => {
    const m = makeMessage({ type: MessageType.Heartbeat, from: asNodeId('n1'), to: asNodeId('n2') });
    const encoded = encodeMessage(m);
    expect(() => decodeMessage(new Uint8Array([...encoded, 0]))).toThrow(/trailing bytes/);
    const badType = encoded.slice();
    badType[1] = 99;
    expect(() => decodeMessage(badType)).toThrow(/unknown message type 99/);
    const emptyFrom = encodeMessage({ ...m, from: asNodeId('') });
    expect(() => decodeMessage(emptyFrom)).toThrow(/from is empty/);
    expect(() => decodeMessage(new Uint8Array([2]))).toThrow(/unknown message codec version 2/);
    const snapshotless = encodeMessage({ ...m, type: MessageType.Snapshot });
    expect(() => decodeMessage(snapshotless)).toThrow(/snapshot must be present exactly in Snapshot messages/);
  });
});

describe('conf change codec', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(confChange, (cc) => {
        expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
      }),
    );
  });

  it('throws only RaftCodecError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expectOnlyCodecErrors(() => decodeConfChange(b));
      }),
      { numRuns: 2000 },
    );
  });
});
