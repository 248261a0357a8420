/**
 * The node's one gRPC server (KV, RaftAdmin, Peer and EncryptionAdmin on one
 * port), bound FIRST: before anything is written to the data dir, so a node
 * whose address is taken fails with one clear line and leaves its data dir as
 * it was (it used to bootstrap a cluster into it before failing to bind).
 *
 * Every service is registered at bind time with handlers that refuse with
 * NodeStarting (definite: nothing was done) until `open` installs the real
 * implementation, once the node has recovered its state. A peer or client
 * that reaches a starting node learns exactly that.
 */
import {
  Server,
  ServerCredentials,
  type handleBidiStreamingCall,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { clientDefaults, NodeError, serviceDefinition, toGrpcError, type EkvServices } from '../proto/index.js';
import type { NodeClock } from './node-clock.js';

/** The services this server carries. */
export type NodeServiceName = keyof EkvServices;

const serviceNames: readonly NodeServiceName[] = ['KV', 'RaftAdmin', 'Peer', 'EncryptionAdmin'];

/** How long a graceful shutdown waits for calls in flight before it cuts them. */
const gracefulShutdownMsMax = 1_000;

/**
 * What a bidirectional handler may return: how a graceful shutdown ends its
 * stream (for example after answering what it accepted). Without it the
 * stream is ended at once.
 */
export interface StreamDrain {
  drain(): void;
}

function isStreamDrain(value: unknown): value is StreamDrain {
  return typeof value === 'object' && value !== null && typeof (value as { drain?: unknown }).drain === 'function';
}

/** The listen address could not be bound (taken, not local, …). */
export class ListenError extends Error {
  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`cannot listen on ${address}: ${reason}`);
    this.name = 'ListenError';
  }
}

/** The reason of a failed bind in plain words, without grpc-js's wrapping ("No address added out of total 1 resolved …"). */
function bindFailureReason(message: string): string {
  if (/EADDRINUSE/.test(message)) return 'the address is already in use';
  if (/EADDRNOTAVAIL/.test(message)) return 'the address is not available on this machine';
  if (/EACCES/.test(message)) return 'permission denied';
  const inner = /errors: \[(.*)\]\s*$/.exec(message);
  return inner?.[1] ?? message;
}

/** What a NodeServer is built from. */
export interface NodeServerOptions {
  /** Times the graceful shutdown's grace period. */
  readonly clock: NodeClock;
}

/** The server and its late-bound service implementations. */
export class NodeServer {
  private readonly server = new Server({
    'grpc.max_receive_message_length': clientDefaults.messageBytesMax,
    'grpc.max_send_message_length': clientDefaults.messageBytesMax,
  });
  private readonly implementations = new Map<NodeServiceName, UntypedServiceImplementation>();
  /** Bidirectional streams being served, with how each ends: a graceful shutdown ends them (they would otherwise hold it open until the grace period cuts them). */
  private readonly streams = new Map<ServerDuplexStream<unknown, unknown>, () => void>();

  constructor(private readonly options: NodeServerOptions) {
    for (const name of serviceNames) this.server.addService(serviceDefinition(name), this.dispatcher(name));
  }

  /** Binds `address` (host:port, port 0 picks one); resolves with the bound host:port, rejects with ListenError. */
  bind(address: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
        if (error !== null) reject(new ListenError(address, bindFailureReason(error.message)));
        else resolve(`${address.slice(0, address.lastIndexOf(':'))}:${port}`);
      });
    });
  }

  /** Starts answering `name` with `implementation` (once per service). */
  open(name: NodeServiceName, implementation: UntypedServiceImplementation): void {
    if (this.implementations.has(name)) throw new Error(`assertion failed: service ${name} opened twice`);
    this.implementations.set(name, implementation);
  }

  /** Stops accepting calls; open streams end with status OK; calls still running after the grace period are cut. */
  async shutdown(): Promise<void> {
    await new Promise<void>((resolve) => {
      const force = this.options.clock.after(gracefulShutdownMsMax, () => {
        this.server.forceShutdown();
        resolve();
      });
      this.server.tryShutdown(() => {
        force.cancel();
        resolve();
      });
      for (const end of this.streams.values()) end();
      this.streams.clear();
    });
  }

  /** Cuts every call and the listen socket at once (startup failed). */
  forceShutdown(): void {
    this.server.forceShutdown();
  }

  /**
   * Handlers of every method of `name` that pass the call to the opened
   * implementation, or refuse it while the node starts. Unary and
   * client-streaming handlers share the `(call, callback)` shape;
   * bidirectional ones take the call alone and answer a refusal with the
   * call's status; the node has no server-streaming-only method.
   */
  private dispatcher(name: NodeServiceName): UntypedServiceImplementation {
    const handlers: UntypedServiceImplementation = {};
    for (const [method, attributes] of Object.entries(serviceDefinition(name))) {
      if (attributes.responseStream && !attributes.requestStream) {
        throw new Error(
          `assertion failed: ${name}.${method} streams only its response; the dispatcher passes (call, callback) and bidirectional handlers`,
        );
      }
      if (attributes.responseStream) {
        handlers[method] = (call: ServerDuplexStream<unknown, unknown>): void => this.dispatchBidi(name, method, call);
        continue;
      }
      const handler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
        const implementation = this.implementations.get(name)?.[method] as
          handleUnaryCall<unknown, unknown> | undefined;
        if (implementation === undefined) {
          callback(
            toGrpcError(
              new NodeError('NodeStarting', `the node is still starting; ${name}.${method} is not served yet`),
            ),
          );
          return;
        }
        implementation(call, callback);
      };
      handlers[method] = handler;
    }
    return handlers;
  }

  private dispatchBidi(name: NodeServiceName, method: string, call: ServerDuplexStream<unknown, unknown>): void {
    const implementation = this.implementations.get(name)?.[method] as
      handleBidiStreamingCall<unknown, unknown> | undefined;
    if (implementation === undefined) {
      call.emit(
        'error',
        toGrpcError(new NodeError('NodeStarting', `the node is still starting; ${name}.${method} is not served yet`)),
      );
      return;
    }
    this.streams.set(call, () => call.end());
    const forget = (): void => {
      this.streams.delete(call);
    };
    call.on('finish', forget);
    call.on('cancelled', forget);
    call.on('close', forget);
    const ending: unknown = (implementation as (call: ServerDuplexStream<unknown, unknown>) => unknown)(call);
    if (isStreamDrain(ending) && this.streams.has(call)) this.streams.set(call, () => ending.drain());
  }
}
