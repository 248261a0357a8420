/**
 * The new-leader gate of the proposal path (etcd's rule that a leader serves
 * only once an entry of its own term committed, taken one step further: it
 * has also been applied). A node elected leader may still have committed
 * entries of earlier terms it has not applied. One of them may be the
 * Phase-2 raft cutover (spec §7.6): until it applies, this process's wrap
 * is not installed, and a proposal decided now would be appended cleartext
 * above the cutover index, where every replica halts on it (§5.4, §5.5).
 * So no proposal is wrap-decided before the leader applied its log up to
 * the start of its term; once it has, every entry below the proposal's index
 * that could change the wrap is applied (the later ones are this leader's
 * own, and its own cutover is fenced by the barrier).
 *
 * Waiting is event-driven: `changed()` is called whenever the applied index,
 * the role, the halt or the shutdown state moves, and re-checks the waiters.
 */
import type { NodeClock } from './node-clock.js';

/** What the gate reads of the Raft core, synchronously. */
export interface LeaderTermStatus {
  readonly term: number;
  readonly role: string;
  /** The index of the last entry in the log (the new leader's no-op, or later, right after an election). */
  readonly lastIndex: number;
}

/** Construction parameters of the gate. */
export interface LeaderReadinessOptions {
  /** The Raft core's current term, role and last index (RawNode.status()). */
  readonly raftStatus: () => LeaderTermStatus;
  /** The state machine's applied index (durable, advanced entry by entry). */
  readonly appliedIndex: () => number;
  /** True once waiting can no longer end well: the apply loop halted or the node is closing. */
  readonly stopped: () => boolean;
  /** How long a proposal waits for the leader to become ready before it is refused. */
  readonly waitMs: number;
  /** Times the `waitMs` bound of a wait. */
  readonly clock: NodeClock;
}

/** How a wait for readiness ended. */
export type LeaderReadinessOutcome =
  | { readonly kind: 'ready'; readonly term: number }
  /** Not leader any more, stopped, or not ready within `waitMs`: the caller refuses (nothing was proposed). */
  | { readonly kind: 'notReady'; readonly appliedIndex: number; readonly termStartIndex: number | null };

/** Where the current leader term starts, per term. */
interface TermStart {
  readonly term: number;
  readonly index: number;
}

/** The readiness of this node's leadership for deciding proposals. */
export class LeaderReadiness {
  private termStart: TermStart | null = null;
  /** Waiting proposals, each told the ready term (or null) and whether waiting can still end well. */
  private readonly waiters = new Set<(readyTerm: number | null, hopeless: boolean) => void>();

  constructor(private readonly options: LeaderReadinessOptions) {}

  /**
   * Records where the current term starts. Called from the Raft loop right
   * after the Ready that reported this node leader, when the log's last
   * entry is the no-op of the election (or an entry after it: waiting for
   * those too is only longer, never unsafe).
   */
  observeLeadership(): void {
    const status = this.options.raftStatus();
    if (status.role === 'leader') this.termStart = { term: status.term, index: status.lastIndex };
    this.changed();
  }

  /** The leader term proposals may be decided in now, or null (not leader, or not yet applied up to its term's start). */
  readyTerm(): number | null {
    const start = this.currentTermStart();
    if (start === null) return null;
    return this.options.appliedIndex() >= start.index ? start.term : null;
  }

  /** Re-checks every waiter (the applied index, the role, the halt or the shutdown state changed). */
  changed(): void {
    if (this.waiters.size === 0) return;
    // Read once for every waiter: the status of the Raft core is not free.
    const readyTerm = this.readyTerm();
    const hopeless = readyTerm === null && (this.options.stopped() || this.currentTermStart() === null);
    for (const check of [...this.waiters]) check(readyTerm, hopeless);
  }

  /** Resolves as soon as this leader is ready, or with `notReady` once that cannot be soon (see the outcome type). */
  untilReady(): Promise<LeaderReadinessOutcome> {
    const term = this.readyTerm();
    if (term !== null) return Promise.resolve({ kind: 'ready', term });
    return new Promise((resolve) => {
      const finish = (outcome: LeaderReadinessOutcome): void => {
        timer.cancel();
        this.waiters.delete(check);
        resolve(outcome);
      };
      const check = (readyTerm: number | null, hopeless: boolean): void => {
        if (readyTerm !== null) finish({ kind: 'ready', term: readyTerm });
        else if (hopeless) finish(this.notReady());
      };
      const timer = this.options.clock.after(this.options.waitMs, () => finish(this.notReady()));
      this.waiters.add(check);
      // Already stopped or not leading: the event that said so has passed, so end now.
      check(null, this.options.stopped() || this.currentTermStart() === null);
    });
  }

  private notReady(): LeaderReadinessOutcome {
    return {
      kind: 'notReady',
      appliedIndex: this.options.appliedIndex(),
      termStartIndex: this.termStart?.index ?? null,
    };
  }

  /**
   * The start of the term this node leads now, null when it does not lead.
   * A term the loop's soft state never reported (leadership lost and won
   * back within one Ready) is recorded on first sight, at the log's last
   * index then: at or after that term's no-op.
   */
  private currentTermStart(): TermStart | null {
    const status = this.options.raftStatus();
    if (status.role !== 'leader') return null;
    if (this.termStart?.term !== status.term) this.termStart = { term: status.term, index: status.lastIndex };
    return this.termStart;
  }
}
