/** A read-only view of a node's Raft state, for admin RPCs, logs and tests. */
import type { ProgressState } from './progress.js';
import type { ConfState, LogIndex, NodeId, Role, Term } from './types.js';

/** The leader's view of one member. */
export interface PeerProgress {
  readonly match: LogIndex;
  readonly next: LogIndex;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
  readonly inflight: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly commit: LogIndex;
  readonly applied: LogIndex;
  readonly lead: NodeId | null;
  readonly role: Role;
  readonly confState: ConfState;
  readonly firstIndex: LogIndex;
  readonly lastIndex: LogIndex;
  /** Non-null while a leadership transfer is in progress. */
  readonly leadTransferee: NodeId | null;
  /** Per-member progress (leader only; empty otherwise), keyed by node id. */
  readonly progress: Readonly<Record<string, PeerProgress>>;
}
