/**
 * The closed set of errors the Raft core raises (STYLE.md 4 and 5).
 *
 * Expected refusals (not leader, a pending conf change, a compacted index…)
 * are {@link RaftError}s with a stable code; callers compare by `code`.
 * Programmer errors and impossible states are {@link RaftAssertionError}s,
 * which are always on and should crash the process. Malformed bytes handed to
 * the message codec raise {@link RaftCodecError} and nothing else.
 */
import type { NodeId } from './types.js';

/** Stable codes of the expected Raft refusals. */
export type RaftErrorCode =
  | 'NotLeader'
  | 'ProposalDropped'
  | 'ConfChangePending'
  | 'TransferInProgress'
  | 'MemberExists'
  | 'UnknownMember'
  | 'InvalidConfChange'
  | 'Compacted'
  | 'Unavailable'
  | 'SnapshotOutOfDate'
  | 'SnapshotUnavailable'
  | 'InvalidConfig';

/** One sentence of documentation per code; `definite` = the request surely had no effect. */
export const RaftErrorDocs: Readonly<Record<RaftErrorCode, { readonly definite: boolean; readonly doc: string }>> =
  Object.freeze({
    NotLeader: { definite: true, doc: 'This node is not the leader; `leader` carries the known leader, if any.' },
    ProposalDropped: {
      definite: true,
      doc: 'The leader refused the proposal before appending it (no quorum-able config, or the uncommitted-bytes bound).',
    },
    ConfChangePending: {
      definite: true,
      doc: 'Another configuration change is uncommitted or unapplied; retry after it applies.',
    },
    TransferInProgress: {
      definite: true,
      doc: 'A leadership transfer is in progress; proposals are refused until it ends.',
    },
    MemberExists: { definite: true, doc: 'The conf change names a node that already has that role.' },
    UnknownMember: {
      definite: true,
      doc: 'The conf change names a node that is not a member (or not a learner, for promote).',
    },
    InvalidConfChange: {
      definite: true,
      doc: 'The conf change would leave the cluster without voters or is otherwise malformed.',
    },
    Compacted: { definite: true, doc: 'The requested log index is at or below the compaction point.' },
    Unavailable: { definite: true, doc: 'The requested log index is above the last index.' },
    SnapshotOutOfDate: { definite: true, doc: 'The snapshot is older than the one already held.' },
    SnapshotUnavailable: { definite: true, doc: 'No snapshot is available yet; the leader retries later.' },
    InvalidConfig: { definite: true, doc: 'A Raft configuration value is out of range (the message names it).' },
  });

/** An expected refusal of the Raft core, identified by its stable `code`. */
export class RaftError extends Error {
  override readonly name = 'RaftError';
  /** Known leader when `code` is `NotLeader` (null when none is known). */
  readonly leader: NodeId | null;

  constructor(
    readonly code: RaftErrorCode,
    message: string,
    leader: NodeId | null = null,
  ) {
    super(`${code}: ${message}`);
    this.leader = leader;
  }
}

/** An impossible state or a broken caller contract; never expected in a correct program. */
export class RaftAssertionError extends Error {
  override readonly name = 'RaftAssertionError';
}

/** Thrown only by `decodeMessage`/`decodeConfChange` on garbage or truncated input. */
export class RaftCodecError extends Error {
  override readonly name = 'RaftCodecError';
  readonly code = 'RaftCodec';

  constructor(
    message: string,
    /** Byte offset at which decoding failed. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

/** Always-on assertion: throws {@link RaftAssertionError} when `condition` is false. */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new RaftAssertionError(typeof message === 'string' ? message : message());
  }
}

/** True when `error` is a {@link RaftError} with the given code. */
export function isRaftError(error: unknown, code?: RaftErrorCode): error is RaftError {
  return error instanceof RaftError && (code === undefined || error.code === code);
}
