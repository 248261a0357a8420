/**
 * Executes KV requests against the state store, producing the mutations of
 * one atomic apply batch and one response per request. Pure with respect to
 * the replicated state: every replica computes the same mutations from the
 * same log prefix.
 *
 * Commit timestamps are re-stamped deterministically to
 * `max(proposed, highest applied + 1)`: all replicas agree on the highest
 * applied timestamp, so they still write identical MVCC keys, and commit
 * timestamps increase strictly in log order even across leader changes.
 */
import { bytesEqual, hlcPhysicalMs, isVisibleAt } from '../storage/index.js';
import type { StateMutation, StateStore } from '../storage/index.js';
import type { FsmResponse } from './apply-result.js';
import type { KvRequest } from './fsm-payload.js';

/** The outcome of executing a list of requests. */
export interface KvExecution {
  readonly mutations: readonly StateMutation[];
  readonly responses: readonly FsmResponse[];
  /** The highest commit timestamp used. */
  readonly maxCommitTs: bigint;
}

type VersionMutation = Extract<StateMutation, { kind: 'version' }>;

/**
 * The writes of earlier entries of one apply batch that are not in the
 * store yet: the executor reads through it, so an entry sees every earlier
 * entry's writes whether or not the batch has been written, and re-stamps
 * against the batch's highest commit timestamp.
 */
export class KvOverlay {
  readonly pending = new Map<string, VersionMutation>();
  /** The highest commit timestamp of the overlay's written versions (0n: none). */
  maxCommitTs = 0n;

  /** Forgets everything (the batch was written). */
  clear(): void {
    this.pending.clear();
    this.maxCommitTs = 0n;
  }
}

function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}

/**
 * Runs `requests` in order; later requests see the earlier ones' writes, and
 * those of `overlay` (earlier entries of the same apply batch), which gets
 * this execution's writes added.
 */
export async function executeKvRequests(
  store: StateStore,
  requests: readonly KvRequest[],
  overlay: KvOverlay = new KvOverlay(),
): Promise<KvExecution> {
  const mutations: VersionMutation[] = [];
  const pending = overlay.pending;
  const responses: FsmResponse[] = [];
  let lastTs = overlay.maxCommitTs > store.maxCommitTs() ? overlay.maxCommitTs : store.maxCommitTs();

  const currentValue = async (key: Uint8Array, readTs: bigint): Promise<Uint8Array | null> => {
    const written = pending.get(keyId(key));
    if (written !== undefined) return isVisibleAt(written, readTs) ? written.value : null;
    return store.get(key, readTs);
  };
  const write = (mutation: VersionMutation): void => {
    mutations.push(mutation);
    pending.set(keyId(mutation.userKey), mutation);
  };

  for (const request of requests) {
    const commitTs = request.commitTs > lastTs ? request.commitTs : lastTs + 1n;
    lastTs = commitTs;
    switch (request.kind) {
      case 'put': {
        const expireAtMs = request.ttlMs === 0n ? 0n : hlcPhysicalMs(commitTs) + request.ttlMs;
        write({ kind: 'version', userKey: request.key, commitTs, tombstone: false, expireAtMs, value: request.value });
        responses.push({ kind: 'put', commitTs });
        break;
      }
      case 'delete': {
        const existed = (await currentValue(request.key, commitTs)) !== null;
        if (existed)
          write({
            kind: 'version',
            userKey: request.key,
            commitTs,
            tombstone: true,
            expireAtMs: 0n,
            value: new Uint8Array(0),
          });
        responses.push({ kind: 'delete', commitTs, existed });
        break;
      }
      case 'compareAndSet': {
        const current = await currentValue(request.key, commitTs);
        const succeeded =
          request.expected === null ? current === null : current !== null && bytesEqual(current, request.expected);
        if (succeeded)
          write({
            kind: 'version',
            userKey: request.key,
            commitTs,
            tombstone: false,
            expireAtMs: 0n,
            value: request.newValue,
          });
        responses.push({ kind: 'compareAndSet', commitTs, succeeded, current });
        break;
      }
    }
  }
  // Only written versions move the store's highest commit timestamp (StateStore.commit), so only they move the overlay's.
  for (const mutation of mutations)
    if (mutation.commitTs > overlay.maxCommitTs) overlay.maxCommitTs = mutation.commitTs;
  return { mutations, responses, maxCommitTs: lastTs };
}
