import { describe, expect, it } from 'vitest';
import { bootstrap } from './bootstrap.js';
import { RaftAssertionError, RaftError } from './errors.js';
import { MemoryStorage } from './memory-storage.js';
import { makeMessage, MessageType } from './message.js';
import { RawNode } from './raw-node.js';
import type { Ready } from './ready.js';
import { asNodeId } from './types.js';

const n1 = asNodeId('n1');
const utf8 = new TextEncoder();

/** Handles one Ready the way the shell must: persist, (send), apply, advance. */
function handle(node: RawNode, storage: MemoryStorage): Ready {
  const rd = node.ready();
  if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
  node.advance();
  return rd;
}

function singleVoter(overrides: Partial<ConstructorParameters<typeof RawNode>[0]> = {}): {
  node: RawNode;
  storage: MemoryStorage;
} {
  const storage = new MemoryStorage();
  bootstrap(storage, [n1]);
  const node = new RawNode({ id: n1, storage, random: () => 0, ...overrides });
  return { node, storage };
}

describe('RawNode', () => {
  it('enforces one outstanding Ready at a time', () => {
    const { node } = singleVoter();
    expect(() => node.advance()).toThrow(RaftAssertionError);
    expect(node.hasReady()).toBe(true);
    node.ready();
    expect(node.hasReady()).toBe(false);
    expect(() => node.ready()).toThrow(/before advance/);
    node.advance();
  });

  it('elects a single voter on campaign and commits proposals without peers', () => {
    const { node, storage } = singleVoter();
    handle(node, storage);
    node.campaign();
    expect(node.status().role).toBe('leader');
    const index = node.propose(utf8.encode('x'));
    const rd = handle(node, storage);
    expect(rd.committedEntries.map((e) => e.index)).toContain(index);
    expect(rd.mustSync).toBe(true);
    expect(node.status()).toMatchObject({ commit: index, applied: index, lead: n1 });
  });

  it('bounds committed entries per Ready and hands out the rest next time', () => {
    const { node, storage } = singleVoter({ maxCommittedEntriesPerReady: 2 });
    handle(node, storage);
    node.campaign();
    for (let i = 0; i < 5; i++) node.propose(utf8.encode(`v${i}`));
    const sizes: number[] = [];
    while (node.hasReady()) sizes.push(handle(node, storage).committedEntries.length);
    expect(Math.max(...sizes)).toBe(2);
    expect(node.status().applied).toBe(node.status().commit);
  });

  it('restarts from storage and hands out only entries after the applied index', () => {
    const { node, storage } = singleVoter();
    handle(node, storage);
    node.campaign();
    node.propose(utf8.encode('a'));
    node.propose(utf8.encode('b'));
    while (node.hasReady()) handle(node, storage);
    const commit = node.status().commit;
    const restarted = new RawNode({ id: n1, storage, random: () => 0, applied: commit - 1 });
    const rd = restarted.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([commit]);
    expect(restarted.status()).toMatchObject({ term: node.status().term, role: 'follower', commit });
  });

  it('a joining node with no configuration never campaigns', () => {
    const storage = new MemoryStorage();
    const node = new RawNode({ id: asNodeId('n9'), storage, random: () => 0.5 });
    for (let i = 0; i < 100; i++) node.tick();
    node.campaign();
    expect(node.status().role).toBe('follower');
    expect(node.hasReady()).toBe(false);
  });

  it('refuses proposals on a follower with NotLeader naming the leader', () => {
    const storage = new MemoryStorage();
    bootstrap(storage, [n1, asNodeId('n2')]);
    const node = new RawNode({ id: asNodeId('n2'), storage, random: () => 0 });
    node.step(makeMessage({ type: MessageType.Heartbeat, from: n1, to: asNodeId('n2'), term: node.status().term }));
    try {
      node.propose(utf8.encode('x'));
      expect.unreachable('propose on a follower must throw');
    } catch (error) {
      expect(error).toBeInstanceOf(RaftError);
      expect((error as RaftError).code).toBe('NotLeader');
      expect((error as RaftError).leader).toBe(n1);
    }
  });

  it('asserts on messages for another node and on a broken random source', () => {
    const { node } = singleVoter();
    expect(() =>
      node.step(makeMessage({ type: MessageType.Heartbeat, from: asNodeId('n2'), to: asNodeId('n3') })),
    ).toThrow(RaftAssertionError);
    expect(() => new RawNode({ id: n1, storage: new MemoryStorage(), random: () => 1 })).toThrow(/outside \[0, 1\)/);
  });

  it('validates the config and names the bad field', () => {
    const storage = new MemoryStorage();
    expect(() => new RawNode({ id: n1, storage, random: () => 0, electionTicks: 1 })).toThrow(/electionTicks/);
    expect(() => new RawNode({ id: n1, storage, random: () => 0, heartbeatTicks: 0 })).toThrow(/heartbeatTicks/);
    expect(() => new RawNode({ id: n1, storage, random: () => 0, maxInflightMessages: 0.5 })).toThrow(
      /maxInflightMessages/,
    );
    expect(() => new RawNode({ id: asNodeId(''), storage, random: () => 0 })).toThrow(/id must be/);
    expect(() => new RawNode({ id: n1, storage, random: () => 0, applied: 5 })).toThrow(
      /applied 5 is above the commit index/,
    );
  });

  it('drops proposals beyond maxUncommittedEntriesBytes with ProposalDropped', () => {
    const storage = new MemoryStorage();
    bootstrap(storage, [n1, asNodeId('n2')]);
    const node = new RawNode({ id: n1, storage, random: () => 0, maxUncommittedEntriesBytes: 10, preVote: false });
    handle(node, storage);
    node.campaign();
    node.step(makeMessage({ type: MessageType.VoteResponse, from: asNodeId('n2'), to: n1, term: node.status().term }));
    expect(node.status().role).toBe('leader');
    node.propose(new Uint8Array(8));
    expect(() => node.propose(new Uint8Array(8))).toThrow(/ProposalDropped/);
  });

  it('reports the logger lines through the injected sink', () => {
    const lines: string[] = [];
    const { node, storage } = singleVoter({ logger: (level, message) => lines.push(`${level} ${message}`) });
    // Bootstrap conf changes are committed but unapplied: no campaign until they are handed out.
    node.campaign();
    expect(node.status().role).toBe('follower');
    handle(node, storage);
    node.campaign();
    expect(lines.some((l) => l.startsWith('info n1 became leader'))).toBe(true);
  });
});
