/**
 * The parts of the pure Raft core and of the state machine the node shell
 * uses, stated as interfaces so the shell depends on behaviour, not on
 * construction details (the real RawNode and apply pipeline satisfy them
 * structurally; tests may substitute fakes).
 */
import type { ConfChange, ConfState, Entry, HardState, NodeId, ReadState, Snapshot, SoftState } from '../raft/types.js';
import type { Message } from '../raft/index.js';

/** One batch of work handed out by the Raft core (etcd's Ready). */
export interface ReadyLike {
  readonly softState?: SoftState | null | undefined;
  readonly hardState?: HardState | null | undefined;
  readonly readStates: readonly ReadState[];
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot | null | undefined;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly mustSync: boolean;
}

/** The RawNode operations the shell calls (always from inside the Raft loop). */
export interface RawNodeLike {
  tick(): void;
  step(message: Message): void;
  propose(data: Uint8Array): void;
  proposeConfChange(cc: ConfChange): void;
  applyConfChange(cc: ConfChange): ConfState;
  transferLeader(to: NodeId): void;
  readIndex(requestId: string): void;
  hasReady(): boolean;
  ready(): ReadyLike;
  advance(): void;
  reportUnreachable(id: NodeId): void;
  reportSnapshot(id: NodeId, status: 'finish' | 'failure'): void;
}

/** How applying one normal entry ended. */
export type ApplyOutcome =
  { readonly kind: 'applied' } | { readonly kind: 'halt'; readonly reason: string; readonly index: number };

/** The state machine side of the shell (the kv apply pipeline behind an adapter). */
export interface StateMachinePort {
  /** The durable applied index. */
  appliedIndex(): number;
  /** Applies a normal entry through the §5.5 pipeline (resolving its proposal). */
  applyNormal(entry: Entry): Promise<ApplyOutcome>;
  /**
   * Applies consecutive normal entries as {@link applyNormal} would one by
   * one, their store effects and applied index in one write (optional: the
   * loop falls back to {@link applyNormal}). On a halt, every entry before
   * the halting one is applied and none after it.
   */
  applyNormalBatch?(entries: readonly Entry[]): Promise<ApplyOutcome>;
  /** Advances the applied index over a conf change entry (durably). */
  applyConfChange(entry: Entry): Promise<void>;
  /** A snapshot of the state machine at the applied index, carrying `appBlob`. */
  snapshot(appBlob: Uint8Array): Promise<Uint8Array>;
  /** Replaces the state with a snapshot's data; returns its application blob. */
  restore(data: Uint8Array): Promise<Uint8Array>;
}
