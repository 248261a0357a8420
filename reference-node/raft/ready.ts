/**
 * What the core hands the application in one batch (etcd's Ready).
 *
 * The contract — the shell handles one Ready at a time, in this order:
 *   1. persist `snapshot` (if any; then install it into the state machine),
 *      `entries` (append, truncating conflicts) and `hardState` — durably,
 *      with fsync when `mustSync`;
 *   2. send `messages` (only now: a vote or an acknowledgement must never
 *      precede the state it promises). A leader's MsgApp and MsgHeartbeat
 *      may leave before or during step 1 instead (Raft thesis §10.2.1), as
 *      long as the acknowledgements they draw are stepped only after step 1
 *      finished — the core counts the leader's own new entries as matched
 *      at once — and the Ready does not commit its own new entries (see the
 *      shell's RaftLoop.splitMessages);
 *   3. apply `committedEntries` in order (calling `applyConfChange` for
 *      ConfChange entries) and serve `readStates` once applied ≥ their index;
 *   4. call `advance()`.
 * `step`, `tick`, `propose`… may be called between `ready()` and `advance()`;
 * their effects come out in the next Ready.
 */
import type { Message } from './message.js';
import type { Entry, HardState, ReadState, Snapshot, SoftState } from './types.js';

export interface Ready {
  /** Present when role or leader changed since the last Ready. */
  readonly softState?: SoftState;
  /** Present when term, vote or commit changed since the last Ready: persist it. */
  readonly hardState?: HardState;
  /** Answers to ReadIndex requests. */
  readonly readStates: readonly ReadState[];
  /** Entries to persist (before sending messages). */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader: persist it and install it. */
  readonly snapshot?: Snapshot;
  /** Committed entries to apply, in order, after persisting (at most maxCommittedEntriesPerReady). */
  readonly committedEntries: readonly Entry[];
  /** Messages to send after persisting. */
  readonly messages: readonly Message[];
  /** Whether the write must be fsynced before sending (new entries, a snapshot, or a term/vote change). */
  readonly mustSync: boolean;
}
