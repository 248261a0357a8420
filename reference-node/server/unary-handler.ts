/** Adapts an async request handler to grpc-js's callback style, mapping every failure to a registry error. */
import type { Deadline, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { toGrpcError } from '../proto/index.js';

/** The client's deadline of a call as epoch milliseconds (Infinity when it set none). */
export function deadlineMsOf(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * A grpc-js unary handler running `handle`. `handle` also gets the client's
 * deadline (epoch ms, Infinity if none) so work done on the client's behalf
 * elsewhere (forwarding) does not outlive it.
 */
export function unaryHandler<Req, Res>(handle: (request: Req, deadlineMs: number) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    handle(call.request, deadlineMsOf(call.getDeadline())).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toGrpcError(error)),
    );
  };
}
