/**
 * The vocabulary of the pure Raft core, shared with the layers above it
 * (storage persists these values, the server ships them between nodes).
 *
 * Modelled on etcd-io/raft (raftpb): a node never does I/O itself; it hands the
 * caller a `Ready` (entries and hard state to persist, messages to send,
 * committed entries to apply, a snapshot to install) and continues after
 * `advance()`.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A Raft term. Monotone per node; 0 means "no term yet". */
export type Term = Brand<number, 'Term'>;
/** A position in the replicated log. 0 means "before the first entry". */
export type LogIndex = Brand<number, 'LogIndex'>;
/** A stable node id such as `n1`. Never empty. */
export type NodeId = Brand<string, 'NodeId'>;

export const asTerm = (value: number): Term => value as Term;
export const asLogIndex = (value: number): LogIndex => value as LogIndex;
export const asNodeId = (value: string): NodeId => value as NodeId;

/** What an entry's `data` holds. */
export enum EntryType {
  /** Application data (the proposal envelope of spec §2.7), or empty for the leader's no-op. */
  Normal = 0,
  /** An encoded {@link ConfChange}. */
  ConfChange = 1,
}

export interface Entry {
  readonly term: Term;
  readonly index: LogIndex;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** The durable part of a node's Raft state (must be persisted before messages are sent). */
export interface HardState {
  readonly term: Term;
  /** Whom this node voted for in `term`, or null. */
  readonly vote: NodeId | null;
  readonly commit: LogIndex;
}

/** Cluster membership: disjoint sets of voters and learners. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** Single-server membership changes (one change per entry, applied when committed). */
export type ConfChangeType = 'addVoter' | 'addLearner' | 'promote' | 'remove';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /**
   * Opaque to Raft: the application's context for the change (the server layer
   * puts the new member's address here so every replica learns it on apply).
   */
  readonly context: Uint8Array;
}

export interface SnapshotMetadata {
  /** Last log index covered by the snapshot. */
  readonly index: LogIndex;
  /** Term of the entry at `index`. */
  readonly term: Term;
  /** Membership as of `index`. */
  readonly confState: ConfState;
}

/** A point-in-time image of the state machine (data is opaque to Raft). */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state the application may want to observe (not persisted). */
export interface SoftState {
  readonly leader: NodeId | null;
  readonly role: Role;
}

/**
 * The answer to a ReadIndex request: once the local applied index reaches
 * `index`, a read served locally is linearizable. `requestId` echoes the
 * caller's id.
 */
export interface ReadState {
  readonly index: LogIndex;
  readonly requestId: string;
}
