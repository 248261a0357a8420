/**
 * NodeCore's waiters never leave a rejection unawaited. Regression: a leader
 * SIGSTOPped for longer than the proposal timeout woke up with its ReadIndex
 * still in the Raft loop's inbox and the waiter's timer due; the timer
 * rejected a promise nothing awaited yet and the process exited 1 on an
 * unhandled `ReadIndexTimeout`. Here the inbox is never drained (the paused
 * loop), so each request stays in it while its waiter is rejected.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProposalRegistry, type Hlc, type StateMachine } from '../kv/index.js';
import { NodeError } from '../proto/index.js';
import type { RawNode } from '../raft/index.js';
import type { AddressBook } from './address-book.js';
import { InputQueue } from './input-queue.js';
import { createLogger } from './logger.js';
import { cryptoRandom, systemClock } from './node-clock.js';
import { NodeCore } from './node-core.js';
import type { RaftLoop } from './raft-loop.js';
import type { RawNodeLike } from './raft-node-port.js';

const proposalTimeoutMs = 30;

interface Harness {
  readonly core: NodeCore;
  readonly inbox: InputQueue<RawNodeLike>;
  readonly events: ReturnType<NodeCore['events']>;
}

/** A leader whose loop never drains its inbox unless the test does. */
function pausedLeader(): Harness {
  const inbox = new InputQueue<RawNodeLike>(64);
  const loop = {
    inbox,
    halt: undefined,
    currentSoftState: { role: 'leader', leader: 'n1' },
    currentConfState: { voters: ['n1'], learners: [] },
  } as unknown as RaftLoop;
  const fsm = { appliedIndex: () => 0, get: async () => null } as unknown as StateMachine;
  const core = new NodeCore({
    id: 'n1',
    rawNode: { status: () => ({ term: 1, role: 'leader', lastIndex: 0 }) } as unknown as RawNode,
    proposals: new ProposalRegistry({ random: { nextUint32: () => 7 } }),
    fsm,
    hlc: { fenceForLeadership: () => undefined } as unknown as Hlc,
    addressBook: { get: () => undefined } as unknown as AddressBook,
    proposalTimeoutMs,
    leaderReadyWaitMs: proposalTimeoutMs,
    waitersMax: 16,
    tickMs: 10,
    electionTicks: 10,
    logger: createLogger({ level: 'silent', format: 'json', nodeId: 'n1' }),
    clock: systemClock,
    random: cryptoRandom,
  });
  const events = core.events(
    () => undefined,
    () => undefined,
  );
  core.attach(loop);
  return { core, inbox, events };
}

/** The registry name the promise rejected with, or 'pending' when it did not settle within `boundMs`. */
async function outcome(promise: Promise<unknown>, boundMs = 2_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('pending'), boundMs);
  });
  try {
    return await Promise.race([
      promise.then(
        () => 'resolved',
        (error: unknown) => (error instanceof NodeError ? error.spec.name : String(error)),
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('NodeCore waiters', () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', record);
  });
  afterEach(async () => {
    // Give a late rejection the turn it needs to be reported.
    await new Promise((resolve) => setTimeout(resolve, 2 * proposalTimeoutMs));
    process.off('unhandledRejection', record);
    expect(unhandled).toEqual([]);
  });

  it('a ReadIndex stuck in the inbox past its deadline fails with ReadIndexTimeout, handled', async () => {
    const { core, inbox } = pausedLeader();
    expect(await outcome(core.linearizableRead())).toBe('ReadIndexTimeout');
    expect(inbox.length).toBe(1);
  });

  it('a ReadIndex stuck in the inbox fails with ShuttingDown when the node stops, handled', async () => {
    const { core } = pausedLeader();
    const read = core.linearizableRead();
    core.beginShutdown();
    expect(await outcome(read)).toBe('ShuttingDown');
  });

  it('a ReadIndex stuck in the inbox fails with NoLeader when leadership is lost, handled', async () => {
    const { core, events } = pausedLeader();
    const read = core.linearizableRead();
    events.softStateChanged({ role: 'leader', leader: 'n1' } as never, { role: 'follower', leader: null } as never);
    expect(await outcome(read)).toBe('NoLeader');
  });

  it('a ReadIndex whose hand-off fails (inbox closed by a halt) fails with that error, handled', async () => {
    const { core, inbox } = pausedLeader();
    const read = core.linearizableRead();
    inbox.close(() => new NodeError('NodeHalted', 'apply halted'));
    expect(await outcome(read)).toBe('NodeHalted');
  });

  it('a membership change stuck in the inbox past its deadline fails with ProposalTimeout, handled', async () => {
    const { core, inbox, events } = pausedLeader();
    const change = core.changeMembership({ type: 'addLearner', id: 'n4', address: '127.0.0.1:1' });
    // Let the leader's ReadIndex through (confirmed at index 0), then keep the conf change in the inbox.
    await new Promise((resolve) => setImmediate(resolve));
    inbox.drain({ readIndex: (requestId: string) => events.readStateReady(requestId, 0) } as unknown as RawNodeLike);
    expect(await outcome(change)).toBe('ProposalTimeout');
    expect(inbox.length).toBe(1);
  });

  it('serves a local read from the applied state with the applied index, without the loop, until shutdown', async () => {
    const { core } = pausedLeader();
    await expect(core.localRead(new Uint8Array([1]))).resolves.toEqual({ value: null, readIndex: 0 });
    core.beginShutdown();
    expect(await outcome(core.localRead(new Uint8Array([1])))).toBe('ShuttingDown');
  });
});
