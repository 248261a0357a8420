/**
 * The new-leader gate of NodeCore's proposal path (leader-readiness.ts).
 * Regression: a follower elected leader right after the Phase-2 cutover, with
 * the cutover entry committed but not yet applied, proposed its first writes
 * cleartext (its wrap was not installed yet); they landed above the cutover
 * index and every replica halted on them (ErrEnvelopeShort). Here the Raft
 * core is a fake whose log runs ahead of the applied index, the wrap is
 * installed only when the test "applies" the cutover entry, and the inbox is
 * drained by the test: a proposal must reach Raft wrapped, or be refused
 * definitely with nothing proposed — never cleartext.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeProposal, ProposalRegistry, type Hlc, type StateMachine } from '../kv/index.js';
import { NodeError } from '../proto/index.js';
import type { RawNode } from '../raft/index.js';
import { asNodeId, type SoftState } from '../raft/types.js';
import type { AddressBook } from './address-book.js';
import { InputQueue } from './input-queue.js';
import { createLogger } from './logger.js';
import { cryptoRandom, systemClock } from './node-clock.js';
import { NodeCore } from './node-core.js';
import type { HaltInfo, RaftLoop } from './raft-loop.js';
import type { RawNodeLike } from './raft-node-port.js';

/** The raft-envelope marker's index in these logs; the new leader's no-op sits at `termStartIndex`. */
const cutoverIndex = 10;
const termStartIndex = 12;
const leaderReadyWaitMs = 40;
const proposalTimeoutMs = 5_000;
/** First byte of a payload the fake wrap wrapped (the fake raft envelope). */
const wrappedTag = 0xee;

/** One node that just won the election of `term` while its applied index lags its commit across the cutover. */
function newLeaderBehindCutover() {
  const raft = { term: 3, role: 'leader' as string, lastIndex: termStartIndex };
  const state = { applied: 8, wrapInstalled: false };
  const inbox = new InputQueue<RawNodeLike>(64);
  let softState: SoftState = { role: 'follower', leader: null };
  const loopHalt: { current: HaltInfo | undefined } = { current: undefined };
  const loop = {
    inbox,
    get halt() {
      return loopHalt.current;
    },
    get currentSoftState() {
      return softState;
    },
    currentConfState: { voters: ['n1', 'n2', 'n3'], learners: [] },
  } as unknown as RaftLoop;
  const fsm = { appliedIndex: () => state.applied, get: async () => null } as unknown as StateMachine;
  const proposals = new ProposalRegistry({ random: { nextUint32: () => 7 } });
  const core = new NodeCore({
    id: 'n1',
    rawNode: { status: () => ({ ...raft }) } as unknown as RawNode,
    proposals,
    fsm,
    hlc: {
      now: () => 100n,
      fenceForLeadership: () => undefined,
      leaseRenewalPayload: () => Uint8Array.of(0x02, 1),
    } as unknown as Hlc,
    addressBook: { get: () => '127.0.0.1:1' } as unknown as AddressBook,
    proposalTimeoutMs,
    leaderReadyWaitMs,
    waitersMax: 16,
    tickMs: 10,
    electionTicks: 10,
    logger: createLogger({ level: 'silent', format: 'json', nodeId: 'n1' }),
    clock: systemClock,
    random: cryptoRandom,
    // The installer of the cutover's apply publishes the wrap: until then the wrap is the identity.
    wrapPayload: (payload) => (state.wrapInstalled ? Uint8Array.of(wrappedTag, ...payload) : payload),
  });
  const events = core.events(
    () => undefined,
    () => undefined,
  );
  core.attach(loop);
  const setSoftState = (next: SoftState): void => {
    const previous = softState;
    softState = next;
    events.softStateChanged(previous, next);
  };
  // The Ready that reported the election (the no-op is the log's last entry).
  setSoftState({ role: 'leader', leader: asNodeId('n1') });
  /** Applies committed entries up to `index` (the cutover's apply installs the wrap), as the loop reports after a Ready. */
  const applyTo = (index: number): void => {
    if (state.applied < cutoverIndex && index >= cutoverIndex) state.wrapInstalled = true;
    state.applied = index;
    events.applied(index);
  };
  /** Runs what waits in the inbox on a raw node that records proposals (as the loop's drain does). */
  const drain = (): Uint8Array[] => {
    const proposed: Uint8Array[] = [];
    inbox.drain({
      propose: (data: Uint8Array) => {
        proposed.push(data);
      },
    } as unknown as RawNodeLike);
    return proposed;
  };
  return { core, raft, state, inbox, proposals, events, setSoftState, applyTo, drain, loopHalt };
}

type Leader = ReturnType<typeof newLeaderBehindCutover>;

/** A put through the client path (proposeKv), as the KV service issues it. */
function put(leader: Leader): Promise<unknown> {
  return leader.core.proposeKv((commitTs) => ({
    kind: 'put',
    commitTs,
    key: Uint8Array.of(1),
    value: Uint8Array.of(2),
    ttlMs: 0n,
  }));
}

/** Lets every pending promise continuation and immediate run (a proposal that was going to reach the inbox has). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** The registry error name the promise rejected with, or 'resolved'. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof NodeError ? error.spec.name : String(error)),
  );
}

/** Answers the proposal in `data` as the apply pipeline would once it applied at `index`. */
function resolveApplied(leader: Leader, data: Uint8Array, index: number): void {
  const envelope = decodeProposal(data);
  if (envelope === null) throw new Error('assertion failed: a proposal without its envelope');
  leader.proposals.resolve(envelope.id, { index: index as never, response: { kind: 'put' } as never });
}

describe('a new leader whose apply lags a committed raft cutover', () => {
  const pending: Promise<unknown>[] = [];
  afterEach(async () => {
    await Promise.allSettled(pending.splice(0));
  });

  it('proposes its first write only after it applied up to its term start, and wrapped', async () => {
    const leader = newLeaderBehindCutover();
    const write = put(leader);
    pending.push(write);
    await settle();
    expect(leader.drain()).toEqual([]);
    // The cutover applies (the wrap is installed) but the term start is not reached yet: still nothing proposed.
    leader.applyTo(cutoverIndex);
    await settle();
    expect(leader.drain()).toEqual([]);
    leader.applyTo(termStartIndex);
    await settle();
    const proposed = leader.drain();
    expect(proposed).toHaveLength(1);
    const envelope = decodeProposal(proposed[0]!);
    expect(envelope?.payload[0]).toBe(wrappedTag);
    resolveApplied(leader, proposed[0]!, termStartIndex + 1);
    expect(await outcome(write)).toBe('resolved');
  });

  it('refuses definitely, with nothing proposed or pending, when the apply does not catch up within the wait', async () => {
    const leader = newLeaderBehindCutover();
    const write = put(leader);
    const refusal = await write.catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(NodeError);
    expect((refusal as NodeError).spec.name).toBe('ProposalDropped');
    expect((refusal as NodeError).spec.definite).toBe(true);
    expect(leader.inbox.length).toBe(0);
    expect(leader.proposals.pendingCount()).toBe(0);
    // Once applied, a retry goes through wrapped.
    leader.applyTo(termStartIndex);
    const retry = put(leader);
    pending.push(retry);
    await settle();
    const proposed = leader.drain();
    expect(decodeProposal(proposed[0]!)?.payload[0]).toBe(wrappedTag);
    resolveApplied(leader, proposed[0]!, termStartIndex + 1);
    expect(await outcome(retry)).toBe('resolved');
  });

  it('renews the HLC lease only once ready, wrapped', async () => {
    const leader = newLeaderBehindCutover();
    leader.core.proposeLeaseRenewal(1_000);
    expect(leader.inbox.length).toBe(0);
    leader.applyTo(termStartIndex);
    leader.core.proposeLeaseRenewal(1_000);
    const proposed = leader.drain();
    expect(proposed).toHaveLength(1);
    expect(decodeProposal(proposed[0]!)?.payload[0]).toBe(wrappedTag);
  });

  it('refuses a proposal decided in one term that reaches Raft in a later term of its leadership, before appending it', async () => {
    const leader = newLeaderBehindCutover();
    leader.applyTo(termStartIndex);
    const write = put(leader);
    await settle();
    expect(leader.inbox.length).toBe(1);
    // Leadership lost and won back (term 5, a new no-op at 20) while the proposal sat in the inbox.
    leader.raft.term = 5;
    leader.raft.lastIndex = 20;
    expect(leader.drain()).toEqual([]);
    expect(await outcome(write)).toBe('ProposalDropped');
    expect(leader.proposals.pendingCount()).toBe(0);
  });

  it('waits for the start of a term won back without a soft-state change (lost and won within one Ready)', async () => {
    const leader = newLeaderBehindCutover();
    leader.applyTo(termStartIndex);
    leader.raft.term = 5;
    leader.raft.lastIndex = 20;
    const write = put(leader);
    pending.push(write);
    await settle();
    expect(leader.drain()).toEqual([]);
    leader.applyTo(20);
    await settle();
    const proposed = leader.drain();
    expect(proposed).toHaveLength(1);
    resolveApplied(leader, proposed[0]!, 21);
    expect(await outcome(write)).toBe('resolved');
  });

  it('ends the wait with the definite refusal of the node state when leadership is lost, the apply halts or the node shuts down', async () => {
    const lost = newLeaderBehindCutover();
    const lostWrite = put(lost);
    lost.raft.role = 'follower';
    lost.setSoftState({ role: 'follower', leader: asNodeId('n2') });
    expect(await outcome(lostWrite)).toBe('NotLeader');

    const halted = newLeaderBehindCutover();
    const haltedWrite = put(halted);
    halted.loopHalt.current = { reason: 'ErrRaftUnwrapFailed', index: 11 };
    halted.events.halted(halted.loopHalt.current);
    expect(await outcome(haltedWrite)).toBe('NodeHalted');

    const closing = newLeaderBehindCutover();
    const closingWrite = put(closing);
    closing.core.beginShutdown();
    expect(await outcome(closingWrite)).toBe('ShuttingDown');
    for (const leader of [lost, halted, closing]) expect(leader.inbox.length).toBe(0);
  });
});
