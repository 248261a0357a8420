/**
 * The Phase-2 cutover barrier (spec §7.6 steps 1, 2 and 6): while it is
 * closed, user proposals (KV writes, lease renewals, self-issued writer
 * registrations, DebugProposeRaw) are refused with the retryable
 * EnvelopeCutoverInProgress; admin proposals are exempt. `drained` waits
 * until every user proposal that got past the gate has returned, so none can
 * land above the cutover marker in cleartext.
 */
import { NodeError } from '../proto/index.js';
import type { NodeClock } from './node-clock.js';

/** Gate plus in-flight counter for user proposals. */
export class ProposalBarrier {
  private closed = false;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private openWaiters: (() => void)[] = [];

  constructor(
    /** Times the drain timeout and the wait until the deadline of `waitOpen`. */
    private readonly clock: NodeClock,
  ) {}

  /** True while the barrier refuses user proposals. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Refuses when closed (the caller has not proposed anything yet). */
  assertOpen(): void {
    if (this.closed)
      throw new NodeError('EnvelopeCutoverInProgress', 'the raft envelope cutover is in progress; retry');
  }

  /** Runs one user proposal through the gate, counting it until it returns. */
  async track<T>(propose: () => Promise<T>): Promise<T> {
    this.assertOpen();
    this.inFlight += 1;
    try {
      return await propose();
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** Step 1: refuse new user proposals. */
  begin(): void {
    this.closed = true;
  }

  /** Step 2: resolves once no user proposal is in flight, or rejects after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = this.clock.after(timeoutMs, () => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(
          new NodeError(
            'EncryptionFailedPrecondition',
            `user proposals still in flight after ${timeoutMs} ms; the cutover was not started`,
          ),
        );
      });
      const wake = (): void => {
        timer.cancel();
        resolve();
      };
      this.waiters.push(wake);
    });
  }

  /** Step 6 (or a safe abort before the marker): accept user proposals again. */
  end(): void {
    this.closed = false;
    for (const wake of this.openWaiters.splice(0)) wake();
  }

  /**
   * Waits until the barrier is open instead of refusing: the "global gate"
   * of catalogued bug B5 (the correct barrier never makes anything wait).
   * Rejects with ProposalTimeout at `deadlineMs` (epoch ms).
   */
  async waitOpen(deadlineMs: number): Promise<void> {
    if (!this.closed) return;
    await new Promise<void>((resolve, reject) => {
      const timer = this.clock.after(Math.max(0, deadlineMs - this.clock.nowMs()), () => {
        this.openWaiters = this.openWaiters.filter((w) => w !== wake);
        reject(
          new NodeError(
            'ProposalTimeout',
            'waited for the cutover barrier to open until the deadline; nothing was proposed',
          ),
        );
      });
      const wake = (): void => {
        timer.cancel();
        resolve();
      };
      this.openWaiters.push(wake);
    });
  }
}
