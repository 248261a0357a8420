/**
 * The shell's Ready contract with a scripted RawNode: persist before send
 * before apply before advance; conf changes go through applyConfChange and
 * are persisted; read waiters hear about read states; snapshots are taken
 * every `snapshotEntries` applied entries; a halt freezes the loop without
 * advance and fails queued requests.
 */
import { describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { NodeError } from '../proto/index.js';
import {
  applyConfChangeToConfState,
  encodeConfChange,
  makeMessage,
  MemoryStorage,
  MessageType,
} from '../raft/index.js';
import { asLogIndex, asNodeId, asTerm, EntryType, type ConfChange, type ConfState, type Entry } from '../raft/types.js';
import { AddressBook } from './address-book.js';
import { systemClock, type NodeClock } from './node-clock.js';
import { RaftLoop, type RaftLoopEvents } from './raft-loop.js';
import type { ApplyOutcome, RawNodeLike, ReadyLike, StateMachinePort } from './raft-node-port.js';

const n1 = asNodeId('n1');
const normal = (index: number): Entry => ({
  term: asTerm(1),
  index: asLogIndex(index),
  type: EntryType.Normal,
  data: Uint8Array.of(index),
});
const addVoter = (index: number, id: string): Entry => ({
  term: asTerm(1),
  index: asLogIndex(index),
  type: EntryType.ConfChange,
  data: encodeConfChange({
    type: 'addVoter',
    nodeId: asNodeId(id),
    context: new TextEncoder().encode(JSON.stringify({ address: `h:${index}`, requestId: `req-${id}` })),
  }),
});
const ready = (fields: Partial<ReadyLike>): ReadyLike => ({
  readStates: [],
  entries: [],
  committedEntries: [],
  messages: [],
  mustSync: false,
  ...fields,
});

function harness(
  readies: ReadyLike[],
  options: { haltAt?: number; snapshotEntries?: number; snapshot?: () => Promise<Uint8Array>; clock?: NodeClock } = {},
) {
  const log: string[] = [];
  let confState: ConfState = { voters: [], learners: [] };
  let applied = 0;
  const raw: RawNodeLike = {
    tick: () => log.push('tick'),
    step: () => log.push('step'),
    propose: () => log.push('propose'),
    proposeConfChange: () => undefined,
    applyConfChange: (cc: ConfChange) => {
      confState = applyConfChangeToConfState(confState, cc);
      log.push(`applyConfChange ${cc.nodeId}`);
      return confState;
    },
    transferLeader: () => undefined,
    readIndex: () => undefined,
    hasReady: () => readies.length > 0,
    ready: () => readies.shift()!,
    advance: () => log.push('advance'),
    reportUnreachable: () => undefined,
    reportSnapshot: () => undefined,
  };
  const stateMachine: StateMachinePort = {
    appliedIndex: () => applied,
    applyNormal: async (entry): Promise<ApplyOutcome> => {
      if (entry.index === options.haltAt)
        return { kind: 'halt', reason: 'ErrEncryptionApply: reserved opcode', index: entry.index };
      applied = entry.index;
      log.push(`apply ${entry.index}`);
      return { kind: 'applied' };
    },
    applyConfChange: async (entry) => {
      applied = entry.index;
    },
    snapshot: options.snapshot ?? (async () => Uint8Array.of(42)),
    restore: async () => new Uint8Array(0),
  };
  const events: RaftLoopEvents = {
    sendMessages: (messages) => log.push(`send ${messages.map((m) => MessageType[m.type]).join(',')}`),
    softStateChanged: (_p, next) => log.push(`role ${next.role}`),
    readStateReady: (requestId, index) => log.push(`read ${requestId}@${index}`),
    applied: (index) => log.push(`applied ${index}`),
    confChangeApplied: (requestId, index) => log.push(`conf ${requestId}@${index}`),
    halted: (halt) => log.push(`halted ${halt.index}`),
  };
  const storage = new MemoryStorage();
  const logStore = {
    append: async (entries: readonly Entry[], hardState?: unknown) => {
      log.push(`persist ${entries.length}${hardState ? '+hs' : ''}`);
    },
    saveSnapshot: async (s: { metadata: { index: number } }) => {
      log.push(`saveSnapshot ${s.metadata.index}`);
    },
    setConfState: async (cs: ConfState) => {
      log.push(`persistConfState ${cs.voters.join(',')}`);
    },
    compact: async (index: number) => {
      log.push(`compact ${index}`);
    },
  };
  const addressBook = new AddressBook();
  const loop = new RaftLoop({
    rawNode: raw,
    storage,
    logStore,
    stateMachine,
    addressBook,
    initialConfState: confState,
    snapshotEntries: options.snapshotEntries ?? 1_000,
    snapshotKeepEntries: 1,
    inputsMax: 100,
    events,
    logger: pino({ level: 'silent' }),
    clock: options.clock ?? systemClock,
  });
  return { loop, log, addressBook, storage };
}

describe('RaftLoop', () => {
  it('persists, then sends, then applies, then advances', async () => {
    const { loop, log, addressBook } = harness([
      ready({
        softState: { leader: n1, role: 'leader' },
        hardState: { term: asTerm(1), vote: n1, commit: asLogIndex(2) },
        entries: [addVoter(1, 'n1'), normal(2)],
        messages: [makeMessage({ type: MessageType.Append, from: n1, to: asNodeId('n2') })],
        committedEntries: [addVoter(1, 'n1'), normal(2)],
        readStates: [{ index: asLogIndex(2), requestId: 'r1' }],
        mustSync: true,
      }),
    ]);
    loop.start();
    await loop.inbox.run(() => undefined);
    await loop.stop();
    expect(log).toEqual([
      'role leader',
      'persist 2+hs',
      'send Append',
      'read r1@2',
      'applyConfChange n1',
      'persistConfState n1',
      'conf req-n1@1',
      'apply 2',
      'applied 2',
      'advance',
    ]);
    expect(addressBook.get('n1')).toBe('h:1');
    expect(loop.currentConfState.voters).toEqual(['n1']);
  });

  it('times each entry it appended: append, the wait until the Ready that commits it, that Ready to the end of its apply', async () => {
    let clock = 0;
    const hardState = (commit: number) => ({ term: asTerm(1), vote: n1, commit: asLogIndex(commit) });
    const { loop } = harness(
      [
        ready({ hardState: hardState(0), entries: [normal(1), normal(2)], mustSync: true }), // start 0, durable 1
        ready({ hardState: hardState(1), committedEntries: [normal(1)] }), // start 2, applied 3
        ready({
          hardState: hardState(3),
          entries: [normal(3)],
          committedEntries: [normal(2), normal(3)],
          mustSync: true,
        }), // start 4, durable 5, applied 6
        ready({ hardState: hardState(9), committedEntries: [normal(9)] }), // never appended here: not timed
      ],
      { clock: { ...systemClock, monotonicMs: () => clock++ } },
    );
    loop.start();
    // Inputs run between Readys: after the fifth, all four Readys are handled.
    for (let input = 0; input < 5; input++) await loop.inbox.run(() => undefined);
    await loop.stop();
    // entry 1: 1 + 1 + 1; entry 2: 1 + 3 + 2; entry 3 (appended and committed in one Ready): 1 + 0 + 1.
    expect(loop.stageTimes).toEqual({ entries: 3, appendMs: 3, replicationMs: 4, commitMs: 4 });
  });

  describe('a leader replicates in parallel with its own log write', () => {
    const n2 = asNodeId('n2');
    const leaderState = { leader: n1, role: 'leader' as const };
    const append = (term = 1) => makeMessage({ type: MessageType.Append, from: n1, to: n2, term: asTerm(term) });
    const heartbeat = makeMessage({ type: MessageType.Heartbeat, from: n1, to: n2, term: asTerm(1) });
    const timeoutNow = makeMessage({ type: MessageType.TimeoutNow, from: n1, to: n2, term: asTerm(1) });
    const campaigned = ready({
      softState: leaderState,
      hardState: { term: asTerm(1), vote: n1, commit: asLogIndex(0) },
      mustSync: true,
    });

    async function run(readies: ReadyLike[]): Promise<string[]> {
      const { loop, log } = harness(readies);
      loop.start();
      await loop.inbox.run(() => undefined);
      await loop.stop();
      return log.filter((line) => /^(send|persist) /.test(line));
    }

    it('sends its appends and heartbeats before the write, everything else after it', async () => {
      const log = await run([
        campaigned,
        ready({ entries: [normal(1)], messages: [append(), heartbeat, timeoutNow], mustSync: true }),
      ]);
      expect(log).toEqual(['persist 0+hs', 'send Append,Heartbeat', 'persist 1', 'send TimeoutNow']);
    });

    it('holds back a message at a term not yet on disk, and every message of a non-leader', async () => {
      const stepUp = ready({
        softState: leaderState,
        hardState: { term: asTerm(2), vote: n1, commit: asLogIndex(0) },
        entries: [normal(1)],
        messages: [append(2)],
        mustSync: true,
      });
      expect(await run([stepUp])).toEqual(['persist 1+hs', 'send Append']);
      const follower = ready({
        hardState: { term: asTerm(1), vote: null, commit: asLogIndex(0) },
        entries: [normal(1)],
        messages: [append()],
        mustSync: true,
      });
      expect(await run([follower])).toEqual(['persist 1+hs', 'send Append']);
      const response = makeMessage({ type: MessageType.AppendResponse, from: n1, to: n2, term: asTerm(1) });
      expect(await run([campaigned, ready({ entries: [normal(1)], messages: [response], mustSync: true })])).toEqual([
        'persist 0+hs',
        'persist 1',
        'send AppendResponse',
      ]);
    });

    it('sends nothing early from a Ready that commits its own new entries (a sole voter with a learner)', async () => {
      const selfCommit = ready({
        hardState: { term: asTerm(1), vote: n1, commit: asLogIndex(1) },
        entries: [normal(1)],
        committedEntries: [normal(1)],
        messages: [append()],
        mustSync: true,
      });
      expect(await run([campaigned, selfCommit])).toEqual(['persist 0+hs', 'persist 1+hs', 'send Append']);
    });
  });

  it('snapshots and compacts every snapshotEntries applied entries', async () => {
    const entries = [normal(1), normal(2), normal(3)];
    const { loop, log, storage } = harness(
      [
        ready({
          entries,
          committedEntries: entries,
          hardState: { term: asTerm(1), vote: null, commit: asLogIndex(3) },
        }),
      ],
      { snapshotEntries: 3 },
    );
    loop.start();
    await loop.inbox.run(() => undefined);
    await loop.stop();
    expect(log).toContain('advance');
    expect(log.filter((line) => /^(saveSnapshot|compact) /.test(line))).toEqual(['saveSnapshot 3', 'compact 2']);
    expect(storage.snapshot().metadata.index).toBe(3);
    expect(storage.firstIndex()).toBe(3);
    expect(loop.snapshotIndex).toBe(3);
  });

  it('goes on handling Readys while a snapshot is taken, and stop() waits for the snapshot', async () => {
    let finishExport: (bytes: Uint8Array) => void = () => undefined;
    const exported = new Promise<Uint8Array>((resolve) => {
      finishExport = resolve;
    });
    const entries = [normal(1), normal(2), normal(3)];
    const heartbeat = makeMessage({ type: MessageType.HeartbeatResponse, from: n1, to: asNodeId('n2') });
    const readies = [
      ready({ entries, committedEntries: entries, hardState: { term: asTerm(1), vote: null, commit: asLogIndex(3) } }),
    ];
    const { loop, log } = harness(readies, { snapshotEntries: 3, snapshot: () => exported });
    loop.start();
    await loop.inbox.run(() => undefined);
    readies.push(ready({ messages: [heartbeat] }));
    // Two round trips through the inbox: the second is drained after the pushed Ready was handled.
    await loop.inbox.run(() => undefined);
    await loop.inbox.run(() => undefined);
    expect(log).toContain('send HeartbeatResponse');
    expect(log).not.toContain('saveSnapshot 3');
    expect(loop.snapshotIndex).toBe(0);
    const stopped = loop.stop();
    finishExport(Uint8Array.of(7));
    await stopped;
    expect(log.slice(-2)).toEqual(['saveSnapshot 3', 'compact 2']);
    expect(loop.snapshotIndex).toBe(3);
  });

  it('a snapshot that fails stops the loop with its error', async () => {
    const entries = [normal(1), normal(2), normal(3)];
    const { loop } = harness(
      [
        ready({
          entries,
          committedEntries: entries,
          hardState: { term: asTerm(1), vote: null, commit: asLogIndex(3) },
        }),
      ],
      {
        snapshotEntries: 3,
        snapshot: async () => {
          throw new Error('disk full');
        },
      },
    );
    loop.start();
    await expect(loop.done()).rejects.toThrow('disk full');
  });

  it('halts: stops applying, never advances, fails queued requests with NodeHalted', async () => {
    const entries = [normal(1), normal(2), normal(3)];
    const { loop, log } = harness([ready({ entries, committedEntries: entries }), ready({ messages: [] })], {
      haltAt: 2,
    });
    loop.start();
    await loop.done();
    expect(log).toEqual(['persist 3', 'apply 1', 'halted 2']);
    expect(loop.halt).toEqual({ index: 2, reason: 'ErrEncryptionApply: reserved opcode' });
    const refused = await loop.inbox.run(() => 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NodeError);
    expect((refused as NodeError).spec.name).toBe('NodeHalted');
  });

  it('writes no hard state for a commit index alone; the next log write carries it (issue 14)', async () => {
    const { loop, log, storage } = harness([
      ready({ entries: [normal(1)], mustSync: true }),
      ready({ hardState: { term: asTerm(1), vote: n1, commit: asLogIndex(1) }, committedEntries: [normal(1)] }),
      ready({ entries: [normal(2)], mustSync: true }),
    ]);
    loop.start();
    // The three Readys run back to back; wait for the third one's advance.
    await vi.waitFor(() => expect(log.filter((line) => line === 'advance')).toHaveLength(3));
    await loop.stop();
    expect(log.filter((line) => line.startsWith('persist'))).toEqual(['persist 1', 'persist 1+hs']);
    expect(storage.initialState().hardState.commit).toBe(1);
  });

  it('runs inputs only between Readys', async () => {
    const { loop, log } = harness([ready({ committedEntries: [] })]);
    loop.start();
    await loop.inbox.run((raw) => raw.tick());
    await loop.stop();
    expect(log).toEqual(['applied 0', 'advance', 'tick']);
  });

  it('replays committed entries up to the commit index before start, one Ready at a time, without draining inputs', async () => {
    const first = [normal(1), normal(2)];
    const second = [addVoter(3, 'n2'), normal(4)];
    const { loop, log } = harness([
      ready({ committedEntries: first }),
      ready({ committedEntries: second }),
      ready({ committedEntries: [normal(5)] }),
    ]);
    const queued = loop.inbox.run((raw) => raw.tick());
    const reached = await loop.replayCommitted(4);
    expect(reached).toBe(4);
    // The third Ready (index 5, beyond the durable commit) is left to the running loop, and the queued tick waits for it.
    expect(log).toEqual([
      'apply 1',
      'apply 2',
      'applied 2',
      'advance',
      'applyConfChange n2',
      'persistConfState n2',
      'conf req-n2@3',
      'apply 4',
      'applied 4',
      'advance',
    ]);
    loop.start();
    await queued;
    await loop.stop();
    expect(log.slice(10)).toEqual(['tick', 'apply 5', 'applied 5', 'advance']);
  });

  it('a halt on replay stops the replay below the commit index and is reported; start() then does nothing', async () => {
    const entries = [normal(1), normal(2), normal(3)];
    const { loop, log } = harness([ready({ committedEntries: entries })], { haltAt: 2 });
    expect(await loop.replayCommitted(3)).toBe(1);
    expect(log).toEqual(['apply 1', 'halted 2']);
    expect(loop.halt?.index).toBe(2);
    loop.start();
    await loop.done();
    expect(log).toHaveLength(2);
  });

  it('refuses a replay after start()', async () => {
    const { loop } = harness([]);
    loop.start();
    await expect(loop.replayCommitted(1)).rejects.toThrow(/after start/);
    await loop.stop();
  });
});
