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
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { NodeError } from '../proto/index.js';
import type * as M from '../proto/index.js';
import { KvDefaults, type AppliedProposal, type FsmResponse } from '../kv/index.js';
import type { LeaderForwarder } from './leader-forwarder.js';
import type { NodeCore } from './node-core.js';
import { unaryHandler } from './unary-handler.js';
import type { KvWriteGate } from './write-gate.js';

const empty = new Uint8Array(0);

function requireKey(key: Uint8Array | undefined): Uint8Array {
  if (key === undefined || key.length === 0) throw new NodeError('InvalidArgument', 'key must not be empty');
  if (key.length > KvDefaults.keyBytesMax) throw new NodeError('InvalidArgument', `key of ${key.length} bytes exceeds ${KvDefaults.keyBytesMax}`);
  return key;
}

/** Values the FSM would refuse to decode are refused here, before proposing (definite). */
function checkValue(field: string, value: Uint8Array): Uint8Array {
  if (value.length > KvDefaults.valueBytesMax) throw new NodeError('InvalidArgument', `${field} of ${value.length} bytes exceeds ${KvDefaults.valueBytesMax}`);
  return value;
}

function expectResponse<K extends FsmResponse['kind']>(applied: AppliedProposal, kind: K): Extract<FsmResponse, { kind: K }> {
  const { response } = applied;
  if (response.kind !== kind) {
    // The entry applied but not as the request we built: its outcome is unknown to the client.
    throw new NodeError('Internal', `entry ${applied.index} applied as ${response.kind}${response.kind === 'error' ? ` (${response.message})` : ''}, expected ${kind}`);
  }
  return response as Extract<FsmResponse, { kind: K }>;
}

/** True when this node must serve the request itself (leader, or forwarding not wanted). */
function servesLocally(core: NodeCore, noForward: boolean | undefined): boolean {
  core.assertServing();
  return core.isLeader() || noForward === true;
}

/** The KV service implementation for `server.addService`. */
export function createKvService(core: NodeCore, forwarder: LeaderForwarder, writeGate?: KvWriteGate, bugs: ReadonlySet<string> = new Set()): UntypedServiceImplementation {
  const admitWrite = async (deadlineMs: number): Promise<void> => {
    core.assertServing();
    await writeGate?.admit(deadlineMs);
  };
  // BUG SWITCH E5: a write a follower forwarded (no_forward set, served here as leader) is proposed through the raw path, unwrapped.
  const wrapOf = (noForward: boolean | undefined): { readonly wrap?: boolean } => (bugs.has('E5') && noForward === true && core.isLeader() ? { wrap: false } : {});
  return {
    Get: unaryHandler(async (request: M.GetRequest, deadlineMs): Promise<M.GetResponse> => {
      const key = requireKey(request.key);
      if (request.local === true) {
        const local = await core.localRead(key);
        return { found: local.value !== null, value: local.value ?? empty, readIndex: local.readIndex };
      }
      if (!servesLocally(core, request.noForward)) return forwarder.kv((client, callOptions) => client.get({ key, noForward: true }, callOptions), deadlineMs);
      const { value, readIndex } = await core.get(key);
      return { found: value !== null, value: value ?? empty, readIndex };
    }),
    Put: unaryHandler(async (request: M.PutRequest, deadlineMs): Promise<M.PutResponse> => {
      const key = requireKey(request.key);
      const value = checkValue('value', request.value ?? empty);
      const ttlMs = BigInt(request.ttlMs ?? 0);
      await admitWrite(deadlineMs);
      if (!servesLocally(core, request.noForward)) return forwarder.kv((client, callOptions) => client.put({ key, value, ttlMs: Number(ttlMs), noForward: true }, callOptions), deadlineMs);
      const applied = await core.proposeKv((commitTs) => ({ kind: 'put', commitTs, key, value, ttlMs }), wrapOf(request.noForward));
      expectResponse(applied, 'put');
      return { appliedIndex: applied.index };
    }),
    Delete: unaryHandler(async (request: M.DeleteRequest, deadlineMs): Promise<M.DeleteResponse> => {
      const key = requireKey(request.key);
      await admitWrite(deadlineMs);
      if (!servesLocally(core, request.noForward)) return forwarder.kv((client, callOptions) => client.delete({ key, noForward: true }, callOptions), deadlineMs);
      const applied = await core.proposeKv((commitTs) => ({ kind: 'delete', commitTs, key }), wrapOf(request.noForward));
      return { appliedIndex: applied.index, existed: expectResponse(applied, 'delete').existed };
    }),
    CompareAndSet: unaryHandler(async (request: M.CompareAndSetRequest, deadlineMs): Promise<M.CompareAndSetResponse> => {
      const key = requireKey(request.key);
      const expected = request.expectAbsent === true ? null : checkValue('expected', request.expected ?? empty);
      const newValue = checkValue('new_value', request.newValue ?? empty);
      await admitWrite(deadlineMs);
      if (!servesLocally(core, request.noForward)) {
        return forwarder.kv((client, callOptions) =>
          client.compareAndSet({ key, expectAbsent: expected === null, expected: expected ?? empty, newValue, noForward: true }, callOptions),
          deadlineMs,
        );
      }
      const applied = await core.proposeKv((commitTs) => ({ kind: 'compareAndSet', commitTs, key, expected, newValue }), wrapOf(request.noForward));
      const response = expectResponse(applied, 'compareAndSet');
      return { succeeded: response.succeeded, currentFound: response.current !== null, current: response.current ?? empty, appliedIndex: applied.index };
    }),
  };
}
