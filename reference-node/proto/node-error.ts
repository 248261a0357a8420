/**
 * A registry error as a value (server side): the node throws `NodeError`
 * wherever a request fails for a known reason, and the gRPC layer turns it
 * into a status with the registry code in the trailing metadata
 * (`toGrpcError`).
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { ErrorMetadataKeys, NodeErrors, type ErrorSpec, type NodeErrorName } from './errors.js';

/** Who the answering node believes leads (both empty when unknown). */
export interface LeaderHint {
  readonly leaderId: string;
  readonly leaderAddress: string;
}

/** An error of the node's closed registry, with an optional leader hint. */
export class NodeError extends Error {
  readonly spec: ErrorSpec;
  readonly leaderHint: LeaderHint | undefined;

  constructor(name: NodeErrorName, message: string, leaderHint?: LeaderHint) {
    super(message);
    this.name = `NodeError(${name})`;
    this.spec = NodeErrors[name];
    this.leaderHint = leaderHint;
  }

  /** The registry code (compare errors by this). */
  get code(): number {
    return this.spec.code;
  }
}

/** Builds the trailing metadata that carries the registry code, name and leader hint. */
export function errorMetadata(spec: ErrorSpec, leaderHint?: LeaderHint): Metadata {
  const metadata = new Metadata();
  metadata.set(ErrorMetadataKeys.code, String(spec.code));
  metadata.set(ErrorMetadataKeys.name, spec.name);
  if (leaderHint !== undefined && leaderHint.leaderId !== '') {
    metadata.set(ErrorMetadataKeys.leaderId, leaderHint.leaderId);
    metadata.set(ErrorMetadataKeys.leaderAddress, leaderHint.leaderAddress);
  }
  return metadata;
}

/**
 * The gRPC error a handler passes to its callback. Anything that is not a
 * NodeError becomes `Internal` (indefinite): an unknown failure must never be
 * reported as one that surely did not happen.
 */
export function toGrpcError(error: unknown): Partial<ServiceError> {
  const nodeError =
    error instanceof NodeError
      ? error
      : new NodeError('Internal', error instanceof Error ? error.message : String(error));
  return {
    code: nodeError.spec.grpcStatus,
    details: `${nodeError.spec.name}: ${nodeError.message}`,
    metadata: errorMetadata(nodeError.spec, nodeError.leaderHint),
  };
}
