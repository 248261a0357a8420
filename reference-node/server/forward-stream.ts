/**
 * The follower's end of the KV Forward stream to one leader: a KvClient whose
 * calls travel as requests on one long-lived bidirectional call instead of
 * one unary call each (a unary call costs ~0.3 ms of CPU on each side, more
 * than the write it forwards). Every outcome is the one the unary call would
 * have had, so `classifyError` and the forwarder's rules are unchanged:
 *
 * - the leader's answer, or the status it failed with (code, details and
 *   trailing metadata travel in the response);
 * - no answer within the call's timeout: DEADLINE_EXCEEDED (indefinite);
 * - the signal aborted: CANCELLED (indefinite);
 * - the stream failed: every request waiting on it fails with the stream's
 *   status, which says "never sent" only when no connection was ever made
 *   (then no request on it reached the leader), or with UNAVAILABLE when the
 *   leader ended the stream (indefinite).
 *
 * A leader without the Forward method (UNIMPLEMENTED without a registry
 * code: it processed nothing) gets the waiting requests and every later one
 * as unary calls. A failed stream is forgotten; the next request opens a new
 * one. Only a stream failure ends requests early: one request timing out
 * does not touch the others (the channel's keepalive detects a dead link).
 */
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import {
  clientDefaults,
  createKvClient,
  createKvGrpcClient,
  ErrorMetadataKeys,
  RpcError,
  type CallOptions,
  type KvClient,
  type Unary,
} from '../proto/index.js';
import type * as M from '../proto/index.js';
import type { NodeClock, Timer } from './node-clock.js';

/** What the stream client needs of a client duplex call (grpc-js's ClientDuplexStream has it). */
export interface ForwardCall {
  write(request: M.ForwardRequest): boolean;
  cancel(): void;
  on(event: 'data' | 'error' | 'end', listener: (value: M.ForwardResponse & Error) => void): unknown;
}

/** What a ForwardStreamClient is built from (tests substitute both). */
export interface ForwardStreamParts {
  /** Opens a new Forward call (lazily: at the first request and after a failure). */
  open(): ForwardCall;
  /** The unary client used when the leader has no Forward method. */
  readonly unary: KvClient;
  /** Releases the channel behind `open` (the unary client is closed separately). */
  close(): void;
  /** Times each request's deadline on the stream (and what is left of it for a unary fallback). */
  readonly clock: NodeClock;
}

type Field = 'get' | 'put' | 'delete' | 'compareAndSet';

const methodOf: Readonly<Record<Field, string>> = {
  get: 'Get',
  put: 'Put',
  delete: 'Delete',
  compareAndSet: 'CompareAndSet',
};

interface Waiting {
  readonly field: Field;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: Timer;
  readonly stop: () => void;
  /** Sends the request as a unary call instead, with the time it has left. */
  readonly viaUnary: () => void;
}

/** A gRPC-like status, for `RpcError` (and so `classifyError`). */
function status(
  code: GrpcStatus,
  details: string,
  metadata = new Metadata(),
): { code: number; details: string; message: string; metadata: Metadata } {
  return { code, details, message: `${code} ${GrpcStatus[code]}: ${details}`, metadata };
}

/** The status a forwarded request failed with on the leader. */
export function statusOfForwardError(error: M.ForwardError): ReturnType<typeof status> {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(error.metadata)) metadata.set(key, value);
  return status(error.code, error.details, metadata);
}

/** True when the leader does not know the Forward method (an older node): not a registry refusal such as NotImplementedAtStage. */
function isMissingMethod(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, metadata } = error as { code?: unknown; metadata?: unknown };
  const registryCode = metadata instanceof Metadata ? metadata.get(ErrorMetadataKeys.code) : [];
  return code === GrpcStatus.UNIMPLEMENTED && registryCode.length === 0;
}

/** A KvClient that forwards over one Forward stream. */
export class ForwardStreamClient implements KvClient {
  readonly get: Unary<M.GetRequest, M.GetResponse> = (request, options) => this.call('get', request, options);
  readonly put: Unary<M.PutRequest, M.PutResponse> = (request, options) => this.call('put', request, options);
  readonly delete: Unary<M.DeleteRequest, M.DeleteResponse> = (request, options) =>
    this.call('delete', request, options);
  readonly compareAndSet: Unary<M.CompareAndSetRequest, M.CompareAndSetResponse> = (request, options) =>
    this.call('compareAndSet', request, options);
  /** Counters for status and tests. */
  readonly stats = { opened: 0, failed: 0, answered: 0, unary: 0 };
  private stream: ForwardCall | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private unaryOnly = false;
  private closed = false;

  constructor(
    readonly address: string,
    private readonly parts: ForwardStreamParts,
  ) {}

  /** Requests written and not yet answered. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** Closes the stream and the channels; requests in flight fail with CANCELLED (they may have reached the leader). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.stream !== undefined) this.fail(this.stream, status(GrpcStatus.CANCELLED, 'forward stream closed'));
    this.parts.close();
    this.parts.unary.close();
  }

  private call<Req, Res>(field: Field, request: Req, options: CallOptions | undefined): Promise<Res> {
    const method = methodOf[field];
    const viaUnary = (this.parts.unary[field] as unknown as Unary<Req, Res>).bind(this.parts.unary);
    if (this.unaryOnly) return viaUnary(request, options);
    if (this.closed) return Promise.reject(new RpcError(method, status(GrpcStatus.CANCELLED, 'forward stream closed')));
    const signal = options?.signal;
    if (signal?.aborted === true)
      return Promise.reject(new RpcError(method, status(GrpcStatus.CANCELLED, 'Cancelled on client')));
    const timeoutMs = options?.timeoutMs ?? clientDefaults.timeoutMs;
    const endsAt = this.parts.clock.nowMs() + timeoutMs;
    const stream = this.stream ?? this.openStream();
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      const end = (): void => {
        this.waiting.get(id)?.stop();
        this.waiting.delete(id);
      };
      const onAbort = (): void => {
        end();
        reject(new RpcError(method, status(GrpcStatus.CANCELLED, 'Cancelled on client')));
      };
      const timer = this.parts.clock.after(timeoutMs, () => {
        end();
        reject(
          new RpcError(
            method,
            status(GrpcStatus.DEADLINE_EXCEEDED, `Deadline exceeded after ${timeoutMs} ms on the forward stream`),
          ),
        );
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, {
        field,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
        stop: () => {
          timer.cancel();
          signal?.removeEventListener('abort', onAbort);
        },
        viaUnary: () => {
          this.stats.unary += 1;
          viaUnary(request, {
            timeoutMs: Math.max(1, endsAt - this.parts.clock.nowMs()),
            ...(signal === undefined ? {} : { signal }),
          }).then(resolve, reject);
        },
      });
      stream.write({ id, timeoutMs, request: field, [field]: request } as unknown as M.ForwardRequest);
    });
  }

  private openStream(): ForwardCall {
    const stream = this.parts.open();
    this.stream = stream;
    this.stats.opened += 1;
    stream.on('data', (response) => this.answer(stream, response));
    stream.on('error', (error) => this.fail(stream, error));
    stream.on('end', () => this.fail(stream, status(GrpcStatus.UNAVAILABLE, 'the leader ended the forward stream')));
    return stream;
  }

  private answer(stream: ForwardCall, response: M.ForwardResponse): void {
    if (this.stream !== stream) return;
    const entry = this.waiting.get(response.id);
    // Timed out or cancelled meanwhile: the caller already has its outcome.
    if (entry === undefined) return;
    entry.stop();
    this.waiting.delete(response.id);
    this.stats.answered += 1;
    const method = methodOf[entry.field];
    if (response.response === 'error') entry.reject(new RpcError(method, statusOfForwardError(response.error)));
    else if (response.response !== entry.field)
      entry.reject(
        new RpcError(
          method,
          status(GrpcStatus.INTERNAL, `the leader answered a ${entry.field} with ${String(response.response)}`),
        ),
      );
    else entry.resolve((response as unknown as Record<Field, unknown>)[entry.field]);
  }

  private fail(stream: ForwardCall, error: unknown): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.stats.failed += 1;
    stream.cancel();
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    const missing = isMissingMethod(error);
    if (missing) this.unaryOnly = true;
    for (const entry of waiting) {
      entry.stop();
      if (missing && !this.closed) entry.viaUnary();
      else entry.reject(new RpcError(methodOf[entry.field], error));
    }
  }
}

/** The forwarder's KV client of a leader at `address` (host:port): the Forward stream on its own channel, unary calls as the fallback. */
export function createForwardStreamClient(address: string, clock: NodeClock): ForwardStreamClient {
  const grpcClient = createKvGrpcClient(address);
  return new ForwardStreamClient(address, {
    open: () => grpcClient.Forward(),
    unary: createKvClient(address),
    close: () => grpcClient.close(),
    clock,
  });
}
