/**
 * Client-side classification of a failed call (STYLE.md 5): by the registry
 * code in the trailing metadata when the node answered, otherwise by what the
 * transport says. The rule that matters to a Jepsen client: only a failure
 * that surely did not take effect is `definite`; everything else is `info`.
 */
import { status as GrpcStatus, type Metadata } from '@grpc/grpc-js';
import { ErrorMetadataKeys, errorSpecByCode, type ErrorSpec } from './errors.js';
import { TransportErrors } from './client-errors.js';
import type { LeaderHint } from './node-error.js';

/** What a failed call means for the caller. */
export interface ErrorClassification {
  readonly spec: ErrorSpec;
  /** True iff the operation surely did not happen (Jepsen `fail`); false means `info`. */
  readonly definite: boolean;
  readonly leaderHint: LeaderHint | undefined;
  /** The node's or transport's message, for logs. */
  readonly message: string;
}

interface GrpcLikeError {
  readonly code?: unknown;
  readonly details?: unknown;
  readonly message?: unknown;
  readonly metadata?: Metadata;
}

/**
 * gRPC-js reports a call that failed while no connection was ever
 * established (connection refused, name resolution failure) with these
 * phrases; such a call was never written to a socket.
 */
const neverSentPatterns = [/No connection established/i, /ECONNREFUSED/, /Name resolution failed/i, /ENOTFOUND/];

/**
 * grpc-js appends "Resolution note: <text>" to connection failures, with an
 * empty text for a plain host:port; an empty trailing section says nothing.
 */
function tidyMessage(text: string): string {
  return text.replace(/\s*Resolution note:\s*$/, '');
}

function firstValue(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return value === undefined ? undefined : String(value);
}

function leaderHintOf(metadata: Metadata | undefined): LeaderHint | undefined {
  const leaderId = firstValue(metadata, ErrorMetadataKeys.leaderId);
  if (leaderId === undefined || leaderId === '') return undefined;
  return { leaderId, leaderAddress: firstValue(metadata, ErrorMetadataKeys.leaderAddress) ?? '' };
}

function transportSpec(code: unknown, text: string): ErrorSpec {
  if (code === GrpcStatus.UNAVAILABLE) {
    return neverSentPatterns.some((pattern) => pattern.test(text))
      ? TransportErrors.ConnectionRefused
      : TransportErrors.ConnectionLost;
  }
  if (code === GrpcStatus.DEADLINE_EXCEEDED) return TransportErrors.DeadlineExceeded;
  if (code === GrpcStatus.CANCELLED) return TransportErrors.Cancelled;
  return TransportErrors.UnknownFailure;
}

/** Classifies any error thrown by a call of this package's clients (or a raw gRPC error). */
export function classifyError(error: unknown): ErrorClassification {
  if (error instanceof RpcError) return error.classification;
  const grpcError: GrpcLikeError = typeof error === 'object' && error !== null ? error : {};
  const details = typeof grpcError.details === 'string' ? grpcError.details : '';
  const message = tidyMessage(
    details !== '' ? details : typeof grpcError.message === 'string' ? grpcError.message : String(error),
  );
  const codeText = firstValue(grpcError.metadata, ErrorMetadataKeys.code);
  if (codeText !== undefined) {
    const spec = errorSpecByCode(Number(codeText)) ?? TransportErrors.UnknownRegistryCode;
    return { spec, definite: spec.definite, leaderHint: leaderHintOf(grpcError.metadata), message };
  }
  const spec = transportSpec(grpcError.code, message);
  return { spec, definite: spec.definite, leaderHint: undefined, message };
}

/** The error every client call of this package rejects with. */
export class RpcError extends Error {
  readonly classification: ErrorClassification;
  /** The gRPC status code (number) of the failed call. */
  readonly grpcCode: number;

  constructor(method: string, cause: unknown) {
    const classification = classifyError(cause);
    super(`${method}: ${classification.spec.name}: ${classification.message}`, { cause });
    this.name = 'RpcError';
    this.classification = classification;
    const code = (cause as GrpcLikeError | null)?.code;
    this.grpcCode = typeof code === 'number' ? code : GrpcStatus.UNKNOWN;
  }
}
