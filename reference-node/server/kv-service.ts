/**
 * The client-facing KV service. The leader serves: Get through ReadIndex
 * (linearizable), Put/Delete/CompareAndSet by proposing a request stamped
 * with its HLC and waiting for apply. A follower forwards to the leader
 * unless `no_forward` is set, in which case it answers NotLeader (definite)
 * with the leader hint in the trailing metadata. A `local` Get is served by
 * every node from its own applied state (also halted ones: the harness's
 * final convergence read). Writes first pass this
 * node's write gate (write-gate.ts: the 7a first-write barrier and
 * rotate-on-startup's BlockMutators); reads are never gated.
 */
import { status as GrpcStatus, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { NodeError, toGrpcError } from '../proto/index.js';
import type * as M from '../proto/index.js';
import { KvDefaults, type AppliedProposal, type FsmResponse } from '../kv/index.js';
import type { LeaderForwarder } from './leader-forwarder.js';
import type { NodeClock } from './node-clock.js';
import type { NodeCore } from './node-core.js';
import type { StreamDrain } from './node-server.js';
import { unaryHandler } from './unary-handler.js';
import type { KvWriteGate } from './write-gate.js';

const empty = new Uint8Array(0);

function requireKey(key: Uint8Array | undefined): Uint8Array {
  if (key === undefined || key.length === 0) throw new NodeError('InvalidArgument', 'key must not be empty');
  if (key.length > KvDefaults.keyBytesMax)
    throw new NodeError('InvalidArgument', `key of ${key.length} bytes exceeds ${KvDefaults.keyBytesMax}`);
  return key;
}

/** Values the FSM would refuse to decode are refused here, before proposing (definite). */
function checkValue(field: string, value: Uint8Array): Uint8Array {
  if (value.length > KvDefaults.valueBytesMax)
    throw new NodeError('InvalidArgument', `${field} of ${value.length} bytes exceeds ${KvDefaults.valueBytesMax}`);
  return value;
}

function expectResponse<K extends FsmResponse['kind']>(
  applied: AppliedProposal,
  kind: K,
): Extract<FsmResponse, { kind: K }> {
  const { response } = applied;
  if (response.kind !== kind) {
    // The entry applied but not as the request we built: its outcome is unknown to the client.
    throw new NodeError(
      'Internal',
      `entry ${applied.index} applied as ${response.kind}${response.kind === 'error' ? ` (${response.message})` : ''}, expected ${kind}`,
    );
  }
  return response as Extract<FsmResponse, { kind: K }>;
}

/** True when this node must serve the request itself (leader, or forwarding not wanted). */
function servesLocally(core: NodeCore, noForward: boolean | undefined): boolean {
  core.assertServing();
  return core.isLeader() || noForward === true;
}

/** The four KV methods as `(request, deadline) → answer`, shared by the unary calls and the Forward stream. */
interface ForwardableHandlers {
  readonly get: (request: M.GetRequest, deadlineMs: number) => Promise<M.GetResponse>;
  readonly put: (request: M.PutRequest, deadlineMs: number) => Promise<M.PutResponse>;
  readonly delete: (request: M.DeleteRequest, deadlineMs: number) => Promise<M.DeleteResponse>;
  readonly compareAndSet: (request: M.CompareAndSetRequest, deadlineMs: number) => Promise<M.CompareAndSetResponse>;
}

/** A failure as the ForwardError the follower turns back into the unary call's status. */
function forwardErrorOf(error: unknown): M.ForwardError {
  const grpcError = toGrpcError(error);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(grpcError.metadata?.getMap() ?? {})) metadata[key] = String(value);
  return { code: grpcError.code ?? GrpcStatus.UNKNOWN, details: grpcError.details ?? '', metadata };
}

/** Serves one forwarded request as the unary call with `no_forward` set (a forwarded request is never forwarded again). */
function serveForwarded(
  serve: ForwardableHandlers,
  request: M.ForwardRequest,
  deadlineMs: number,
): Promise<M.ForwardResponse> {
  const { id } = request;
  switch (request.request) {
    case 'get':
      return serve.get({ ...request.get, noForward: true }, deadlineMs).then((get) => ({ id, response: 'get', get }));
    case 'put':
      return serve.put({ ...request.put, noForward: true }, deadlineMs).then((put) => ({ id, response: 'put', put }));
    case 'delete':
      return serve
        .delete({ ...request.delete, noForward: true }, deadlineMs)
        .then((answer) => ({ id, response: 'delete', delete: answer }));
    case 'compareAndSet':
      return serve
        .compareAndSet({ ...request.compareAndSet, noForward: true }, deadlineMs)
        .then((compareAndSet) => ({ id, response: 'compareAndSet', compareAndSet }));
    default:
      return Promise.reject(
        new NodeError('InvalidArgument', `forwarded request ${id} sets none of get, put, delete, compare_and_set`),
      );
  }
}

/**
 * One Forward stream (kv.proto): every request is served concurrently and
 * answered with its id as soon as it completes. Once the sender ends the
 * stream or this node's graceful shutdown drains it, later requests are
 * answered ShuttingDown and the stream ends when the accepted ones are
 * answered, so a forward in flight gets its real outcome, not a cut stream.
 */
function serveForwardStream(
  serve: ForwardableHandlers,
  call: ServerDuplexStream<M.ForwardRequest, M.ForwardResponse>,
  clock: NodeClock,
): StreamDrain {
  let open = 0;
  let draining = false;
  let done = false;
  const reply = (response: M.ForwardResponse): void => {
    if (!done) call.write(response);
  };
  const finishIfDrained = (): void => {
    if (done || !draining || open > 0) return;
    done = true;
    call.end();
  };
  call.on('data', (request: M.ForwardRequest) => {
    if (done) return;
    if (draining) {
      reply({
        id: request.id,
        response: 'error',
        error: forwardErrorOf(
          new NodeError('ShuttingDown', 'the node is shutting down; the forwarded request was not accepted'),
        ),
      });
      return;
    }
    open += 1;
    const deadlineMs = request.timeoutMs > 0 ? clock.nowMs() + request.timeoutMs : Infinity;
    serveForwarded(serve, request, deadlineMs)
      .then(reply, (error: unknown) => reply({ id: request.id, response: 'error', error: forwardErrorOf(error) }))
      .finally(() => {
        open -= 1;
        finishIfDrained();
      });
  });
  const drain = (): void => {
    draining = true;
    finishIfDrained();
  };
  call.on('end', drain);
  // The sender cancelled or the connection broke: nothing more to answer.
  call.on('cancelled', () => {
    done = true;
  });
  return { drain };
}

/**
 * The KV service implementation for `server.addService`; `clock` turns a
 * forwarded request's timeout into the deadline it is served under.
 */
export function createKvService(
  core: NodeCore,
  forwarder: LeaderForwarder,
  clock: NodeClock,
  writeGate?: KvWriteGate,
  bugs: ReadonlySet<string> = new Set(),
): UntypedServiceImplementation {
  const admitWrite = async (deadlineMs: number): Promise<void> => {
    core.assertServing();
    await writeGate?.admit(deadlineMs);
  };
  // BUG SWITCH E5: a write a follower forwarded (no_forward set, served here as leader) is proposed through the raw path, unwrapped.
  const wrapOf = (noForward: boolean | undefined): { readonly wrap?: boolean } =>
    bugs.has('E5') && noForward === true && core.isLeader() ? { wrap: false } : {};
  const serve: ForwardableHandlers = {
    get: async (request, deadlineMs) => {
      const key = requireKey(request.key);
      if (request.local === true) {
        const local = await core.localRead(key);
        return { found: local.value !== null, value: local.value ?? empty, readIndex: local.readIndex };
      }
      if (!servesLocally(core, request.noForward))
        return forwarder.kv((client, callOptions) => client.get({ key, noForward: true }, callOptions), deadlineMs);
      const { value, readIndex } = await core.get(key);
      return { found: value !== null, value: value ?? empty, readIndex };
    },
    put: async (request, deadlineMs) => {
      const key = requireKey(request.key);
      const value = checkValue('value', request.value ?? empty);
      const ttlMs = BigInt(request.ttlMs ?? 0);
      await admitWrite(deadlineMs);
      if (!servesLocally(core, request.noForward))
        return forwarder.kv(
          (client, callOptions) => client.put({ key, value, ttlMs: Number(ttlMs), noForward: true }, callOptions),
          deadlineMs,
        );
      const applied = await core.proposeKv(
        (commitTs) => ({ kind: 'put', commitTs, key, value, ttlMs }),
        wrapOf(request.noForward),
      );
      expectResponse(applied, 'put');
      return { appliedIndex: applied.index };
    },
    delete: async (request, deadlineMs) => {
      const key = requireKey(request.key);
      await admitWrite(deadlineMs);
      if (!servesLocally(core, request.noForward))
        return forwarder.kv((client, callOptions) => client.delete({ key, noForward: true }, callOptions), deadlineMs);
      const applied = await core.proposeKv(
        (commitTs) => ({ kind: 'delete', commitTs, key }),
        wrapOf(request.noForward),
      );
      return { appliedIndex: applied.index, existed: expectResponse(applied, 'delete').existed };
    },
    compareAndSet: async (request, deadlineMs) => {
      const key = requireKey(request.key);
      const expected = request.expectAbsent === true ? null : checkValue('expected', request.expected ?? empty);
      const newValue = checkValue('new_value', request.newValue ?? empty);
      await admitWrite(deadlineMs);
      if (!servesLocally(core, request.noForward)) {
        return forwarder.kv(
          (client, callOptions) =>
            client.compareAndSet(
              { key, expectAbsent: expected === null, expected: expected ?? empty, newValue, noForward: true },
              callOptions,
            ),
          deadlineMs,
        );
      }
      const applied = await core.proposeKv(
        (commitTs) => ({ kind: 'compareAndSet', commitTs, key, expected, newValue }),
        wrapOf(request.noForward),
      );
      const response = expectResponse(applied, 'compareAndSet');
      return {
        succeeded: response.succeeded,
        currentFound: response.current !== null,
        current: response.current ?? empty,
        appliedIndex: applied.index,
      };
    },
  };
  return {
    Get: unaryHandler(serve.get),
    Put: unaryHandler(serve.put),
    Delete: unaryHandler(serve.delete),
    CompareAndSet: unaryHandler(serve.compareAndSet),
    Forward: (call: ServerDuplexStream<M.ForwardRequest, M.ForwardResponse>): StreamDrain =>
      serveForwardStream(serve, call, clock),
  };
}
