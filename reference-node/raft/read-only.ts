/**
 * The leader's pending ReadIndex requests (etcd's read_only.go, ReadOnlySafe).
 *
 * A request records the commit index when it arrived and is answered once a
 * quorum of voters acknowledged a heartbeat sent after it (which proves the
 * leader was still the leader when the request arrived). Acknowledging a later
 * request's heartbeat also confirms every earlier one, so `advance` releases
 * the queue up to the acknowledged request.
 */
import type { NodeId } from './types.js';

export interface ReadIndexRequest {
  /** Key carried in heartbeat contexts. */
  readonly key: string;
  readonly index: number;
  readonly requestId: string;
  /** The follower that forwarded it, or null for a local request. */
  readonly from: NodeId | null;
  readonly acks: Set<NodeId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexRequest>();
  private readonly queue: string[] = [];

  /** Adds a request; returns its key, or null if the same request is already pending. */
  addRequest(index: number, requestId: string, from: NodeId | null): string | null {
    // Length-prefixed so distinct (from, requestId) pairs never collide; printable for logs.
    const origin = from ?? '';
    const key = `${origin.length}:${origin}/${requestId}`;
    if (this.pending.has(key)) return null;
    this.pending.set(key, { key, index, requestId, from, acks: new Set() });
    this.queue.push(key);
    return key;
  }

  /** Records that `id` acknowledged the heartbeat carrying `key`; returns the acks so far. */
  recvAck(id: NodeId, key: string): ReadonlySet<NodeId> | null {
    const request = this.pending.get(key);
    if (request === undefined) return null;
    request.acks.add(id);
    return request.acks;
  }

  /** Removes and returns every request queued up to and including `key`. */
  advance(key: string): ReadIndexRequest[] {
    const position = this.queue.indexOf(key);
    if (position < 0) return [];
    const released: ReadIndexRequest[] = [];
    for (const k of this.queue.splice(0, position + 1)) {
      const request = this.pending.get(k);
      this.pending.delete(k);
      if (request !== undefined) released.push(request);
    }
    return released;
  }

  lastPendingKey(): string | null {
    return this.queue[this.queue.length - 1] ?? null;
  }

  get size(): number {
    return this.queue.length;
  }
}
