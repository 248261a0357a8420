/** Adapts an async request handler to grpc-js's callback style, mapping every failure to a registry error. */
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { toGrpcError } from '../proto/index.js';

/** A grpc-js unary handler running `handle`. */
export function unaryHandler<Req, Res>(handle: (request: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    handle(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toGrpcError(error)),
    );
  };
}
