/**
 * The one closed registry of the reference node's errors (STYLE.md 5).
 *
 * Shared by the server (which attaches the code to every failed RPC in the
 * trailing metadata `ekv-error-code`) and by every client (the harness maps
 * `definite` errors to Jepsen `fail` and everything else to `info`). Compare
 * errors by code, never by message text.
 *
 * `definite: true` means the operation surely did not take effect and never
 * will (it was refused before being proposed to Raft, or the refusal is
 * itself a linearizable observation). Anything that may have been proposed is
 * indefinite.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';

export interface ErrorSpec {
  /** Stable numeric code; never reused. */
  readonly code: number;
  readonly name: string;
  readonly definite: boolean;
  /** The gRPC status the server answers with. */
  readonly grpcStatus: GrpcStatus;
  /** One line of documentation. */
  readonly doc: string;
}

const spec = (code: number, name: string, definite: boolean, grpcStatus: GrpcStatus, doc: string): ErrorSpec =>
  Object.freeze({ code, name, definite, grpcStatus, doc });

/** Every error the node can answer with, by name. Codes are stable. */
export const NodeErrors = Object.freeze({
  NotLeader: spec(
    1,
    'NotLeader',
    true,
    GrpcStatus.FAILED_PRECONDITION,
    'This node is not the leader and did not forward; metadata carries the leader hint.',
  ),
  NoLeader: spec(2, 'NoLeader', true, GrpcStatus.UNAVAILABLE, 'No leader is known; the request was not proposed.'),
  ProposalTimeout: spec(
    3,
    'ProposalTimeout',
    false,
    GrpcStatus.DEADLINE_EXCEEDED,
    'The proposal was handed to Raft but was not applied before the deadline; it may still commit.',
  ),
  LeadershipLost: spec(
    4,
    'LeadershipLost',
    false,
    GrpcStatus.UNAVAILABLE,
    'Leadership changed after the proposal was made; it may or may not commit.',
  ),
  ProposalDropped: spec(
    5,
    'ProposalDropped',
    true,
    GrpcStatus.UNAVAILABLE,
    'The proposal was refused before it was appended (a leadership transfer in progress, a new leader that has not yet applied the entries of earlier terms, leadership moved meanwhile); retryable.',
  ),
  NodeHalted: spec(
    6,
    'NodeHalted',
    true,
    GrpcStatus.UNAVAILABLE,
    'The node halted its apply loop (spec §5.4) and refuses new work.',
  ),
  HaltedWhilePending: spec(
    7,
    'HaltedWhilePending',
    false,
    GrpcStatus.UNAVAILABLE,
    'The node halted while the request was in flight; the entry may be applied by other replicas.',
  ),
  InvalidArgument: spec(
    8,
    'InvalidArgument',
    true,
    GrpcStatus.INVALID_ARGUMENT,
    'The request is malformed (the message names the field).',
  ),
  ShuttingDown: spec(
    9,
    'ShuttingDown',
    true,
    GrpcStatus.UNAVAILABLE,
    'The node is shutting down and did not accept the request.',
  ),
  Overloaded: spec(
    10,
    'Overloaded',
    true,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'A bounded queue is full; the request was refused before proposal.',
  ),
  ForwardFailed: spec(
    11,
    'ForwardFailed',
    false,
    GrpcStatus.UNAVAILABLE,
    'Forwarding to the leader failed after the request may have been sent.',
  ),
  Internal: spec(12, 'Internal', false, GrpcStatus.INTERNAL, 'An unexpected failure; the outcome is unknown.'),
  ReadIndexTimeout: spec(
    13,
    'ReadIndexTimeout',
    true,
    GrpcStatus.DEADLINE_EXCEEDED,
    'A linearizable read could not confirm leadership in time (reads never change state).',
  ),
  MembershipChangeInProgress: spec(
    14,
    'MembershipChangeInProgress',
    true,
    GrpcStatus.FAILED_PRECONDITION,
    'Another configuration change is pending; retry after it applies.',
  ),
  UnknownMember: spec(
    15,
    'UnknownMember',
    true,
    GrpcStatus.NOT_FOUND,
    'The named server is not a member (or not in the expected role).',
  ),
  MemberExists: spec(
    16,
    'MemberExists',
    true,
    GrpcStatus.ALREADY_EXISTS,
    'The named server is already a member in that role.',
  ),
  TransferFailed: spec(
    17,
    'TransferFailed',
    true,
    GrpcStatus.ABORTED,
    'Leadership transfer did not complete before the deadline.',
  ),
  EnvelopeCutoverInProgress: spec(
    18,
    'EnvelopeCutoverInProgress',
    true,
    GrpcStatus.UNAVAILABLE,
    'The Phase-2 cutover barrier is closed; user proposals are refused (retryable).',
  ),
  WriterNotRegistered: spec(
    19,
    'WriterNotRegistered',
    true,
    GrpcStatus.UNAVAILABLE,
    'This node is not yet a registered writer for the active DEK; nothing was proposed (retryable).',
  ),
  MutatorsBlocked: spec(
    20,
    'MutatorsBlocked',
    true,
    GrpcStatus.UNAVAILABLE,
    'Writes are blocked until rotate-on-startup completes on this leader.',
  ),
  EncryptionFailedPrecondition: spec(
    21,
    'EncryptionFailedPrecondition',
    true,
    GrpcStatus.FAILED_PRECONDITION,
    'An encryption admin RPC refused before proposing (the message says why).',
  ),
  EncryptionUnsafeLatch: spec(
    22,
    'EncryptionUnsafeLatch',
    true,
    GrpcStatus.FAILED_PRECONDITION,
    'An ambiguous cutover failure latched this process: admin proposals are refused until restart.',
  ),
  TestHooksDisabled: spec(
    23,
    'TestHooksDisabled',
    true,
    GrpcStatus.FAILED_PRECONDITION,
    'A test-only RPC was called on a node started without --test-hooks; nothing was proposed.',
  ),
  NotImplementedAtStage: spec(
    24,
    'NotImplementedAtStage',
    true,
    GrpcStatus.UNIMPLEMENTED,
    'The RPC does not exist in the rollout stage this node emulates (--stage); the message names the stage that introduced it.',
  ),
  NodeStarting: spec(
    25,
    'NodeStarting',
    true,
    GrpcStatus.UNAVAILABLE,
    'The node is listening but still starting (recovering its state, before READY) and did not accept the request.',
  ),
} as const);

export type NodeErrorName = keyof typeof NodeErrors;

const byCode: ReadonlyMap<number, ErrorSpec> = new Map(Object.values(NodeErrors).map((e) => [e.code, e]));

/** The registry entry for a code, or undefined for a code this build does not know. */
export function errorSpecByCode(code: number): ErrorSpec | undefined {
  return byCode.get(code);
}

/** Every registered error, ordered by code (for docs and tests). */
export function allErrorSpecs(): readonly ErrorSpec[] {
  return [...byCode.values()].sort((a, b) => a.code - b.code);
}

/** Trailing-metadata keys the server sets on every failed RPC. */
export const ErrorMetadataKeys = Object.freeze({
  code: 'ekv-error-code',
  name: 'ekv-error-name',
  leaderId: 'ekv-leader-id',
  leaderAddress: 'ekv-leader-address',
});
