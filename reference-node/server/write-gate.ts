/**
 * The gates in front of this node's public KV writes (Put, Delete,
 * CompareAndSet), checked before the node proposes or forwards one:
 * - the 7a first-write barrier (spec §3.4 (b)4): while this load's writer
 *   registration for the active storage DEK has not committed, a write waits
 *   for it, up to its deadline, and then fails with the retryable, definite
 *   WriterNotRegistered. Reads are never gated;
 * - BlockMutators of rotate-on-startup (§7.9): while a predicate holds (this
 *   node leads and its startup rotation is not done), writes are refused at
 *   once with MutatorsBlocked.
 * Both refusals happen before anything is proposed, so they are definite.
 */
import { NodeError } from '../proto/index.js';
import type { NodeClock, Timer } from './node-clock.js';

/** What the KV service asks before a write. */
export interface KvWriteGate {
  /** Resolves when the write may go on; rejects with a definite NodeError. `deadlineMs` is the client's (epoch ms, Infinity if none). */
  admit(deadlineMs: number): Promise<void>;
}

/** Construction parameters of the gate. */
export interface WriteGateOptions {
  /** Longest a write waits at the first-write barrier when its client set no (or a longer) deadline. */
  readonly barrierWaitMsMax: number;
  /** Time kept back from the client's deadline so the refusal reaches it in time. */
  readonly replyMarginMs?: number;
  /** Reads the time left before a client's deadline (epoch ms) and times the wait at the barrier. */
  readonly clock: NodeClock;
}

/** The node's write gate: first-write barrier plus BlockMutators. */
export class WriteGate implements KvWriteGate {
  private barrier: { readonly released: Promise<void>; readonly release: () => void } | undefined;
  private blockMutators: () => boolean = () => false;

  constructor(private readonly options: WriteGateOptions) {}

  /** True while the first-write barrier holds writes. */
  get barrierArmed(): boolean {
    return this.barrier !== undefined;
  }

  /** Holds every write until `releaseBarrier()` (idempotent). */
  armBarrier(): void {
    if (this.barrier !== undefined) return;
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.barrier = { released, release };
  }

  /** Lets the held and all later writes through (idempotent). */
  releaseBarrier(): void {
    const barrier = this.barrier;
    this.barrier = undefined;
    barrier?.release();
  }

  /** Refuses writes with MutatorsBlocked whenever `predicate()` holds (replaces an earlier predicate). */
  blockMutatorsWhile(predicate: () => boolean): void {
    this.blockMutators = predicate;
  }

  async admit(deadlineMs: number): Promise<void> {
    const barrier = this.barrier;
    if (barrier !== undefined) await this.waitFor(barrier.released, deadlineMs);
    if (this.blockMutators())
      throw new NodeError(
        'MutatorsBlocked',
        'writes are blocked until rotate-on-startup completes on this leader; retry',
      );
  }

  private async waitFor(released: Promise<void>, deadlineMs: number): Promise<void> {
    const waitMs = Math.min(
      this.options.barrierWaitMsMax,
      deadlineMs - this.options.clock.nowMs() - (this.options.replyMarginMs ?? 50),
    );
    let timer: Timer | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = this.options.clock.after(Math.max(0, waitMs), () => resolve('timeout'));
    });
    try {
      const outcome = await Promise.race([released.then(() => 'released' as const), timedOut]);
      if (outcome === 'timeout') {
        throw new NodeError(
          'WriterNotRegistered',
          `this node's writer registration for the active storage DEK has not committed yet (first-write barrier, waited ${Math.max(0, waitMs)} ms); nothing was proposed, retry`,
        );
      }
    } finally {
      timer?.cancel();
    }
  }
}
