/**
 * Maps the Raft core's typed refusals to the node's registry errors. All of
 * them are raised before anything was appended, so all are definite.
 */
import { NodeError, type LeaderHint, type NodeErrorName } from '../proto/index.js';
import { isRaftError, type RaftErrorCode } from '../raft/index.js';

const names: Readonly<Record<RaftErrorCode, NodeErrorName>> = {
  NotLeader: 'NotLeader',
  ProposalDropped: 'ProposalDropped',
  TransferInProgress: 'ProposalDropped',
  ConfChangePending: 'MembershipChangeInProgress',
  MemberExists: 'MemberExists',
  UnknownMember: 'UnknownMember',
  InvalidConfChange: 'InvalidArgument',
  Compacted: 'Internal',
  Unavailable: 'Internal',
  SnapshotOutOfDate: 'Internal',
  SnapshotUnavailable: 'Internal',
  InvalidConfig: 'Internal',
};

/** The registry error for anything a RawNode request method threw. */
export function toNodeError(error: unknown, leaderHint: () => LeaderHint): NodeError {
  if (error instanceof NodeError) return error;
  if (isRaftError(error)) {
    const name = names[error.code];
    return new NodeError(name, error.message, name === 'NotLeader' ? leaderHint() : undefined);
  }
  return new NodeError('Internal', error instanceof Error ? error.message : String(error));
}
