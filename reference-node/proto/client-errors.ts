/**
 * Outcomes a client sees that never reached the node's error registry: the
 * transport failed. They get specs of their own (codes from 100 up, never used
 * by the node) so a client reports every failure the same way — name, code,
 * definite or not.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorSpec } from './errors.js';

const spec = (code: number, name: string, definite: boolean, grpcStatus: GrpcStatus, doc: string): ErrorSpec =>
  Object.freeze({ code, name, definite, grpcStatus, doc });

/** Client-side classifications of transport failures. */
export const TransportErrors = Object.freeze({
  ConnectionRefused: spec(
    101,
    'ConnectionRefused',
    true,
    GrpcStatus.UNAVAILABLE,
    'No connection to the node could be established, so the request was never sent.',
  ),
  ConnectionLost: spec(
    102,
    'ConnectionLost',
    false,
    GrpcStatus.UNAVAILABLE,
    'The connection failed after the request may have been sent.',
  ),
  DeadlineExceeded: spec(
    103,
    'DeadlineExceeded',
    false,
    GrpcStatus.DEADLINE_EXCEEDED,
    'The client deadline passed without an answer; the request may have taken effect.',
  ),
  Cancelled: spec(
    104,
    'Cancelled',
    false,
    GrpcStatus.CANCELLED,
    'The call was cancelled; the request may have taken effect.',
  ),
  UnknownFailure: spec(
    105,
    'UnknownFailure',
    false,
    GrpcStatus.UNKNOWN,
    'A failure without a registry code; the outcome is unknown.',
  ),
  UnknownRegistryCode: spec(
    106,
    'UnknownRegistryCode',
    false,
    GrpcStatus.UNKNOWN,
    'The node answered with a registry code this client does not know.',
  ),
} as const);
