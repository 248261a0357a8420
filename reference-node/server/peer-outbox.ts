/**
 * The outbound queue towards one peer: bounded (a full queue drops the new
 * message and tells Raft the peer is unreachable, as etcd's transport does),
 * drained by a single sender loop that ships batches, so at most one
 * batch per peer is in flight (awaiting its Ack) and order is preserved.
 */

/** One encoded message waiting to be sent. */
export interface OutboundMessage {
  readonly bytes: Uint8Array;
}

/** Bounds of an outbox (STYLE.md 3). */
export interface PeerOutboxLimits {
  readonly queueMessagesMax: number;
  readonly batchMessagesMax: number;
  readonly batchBytesMax: number;
}

/** What the outbox needs from the world. */
export interface PeerOutboxHooks {
  /** Sends one batch; rejects when the peer did not take it. */
  send(batch: readonly Uint8Array[]): Promise<void>;
  /** A message was dropped (queue full or send failed): Raft should probe the peer again. */
  onUnreachable(): void;
}

/** A bounded, batching, ordered queue of messages to one peer. */
export class PeerOutbox {
  private queue: Uint8Array[] = [];
  private sending = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  /** Counters for status and tests. */
  readonly stats = { sentMessages: 0, droppedMessages: 0, failedBatches: 0 };

  constructor(
    private readonly limits: PeerOutboxLimits,
    private readonly hooks: PeerOutboxHooks,
  ) {
    if (limits.queueMessagesMax < 1 || limits.batchMessagesMax < 1 || limits.batchBytesMax < 1) {
      throw new RangeError('PeerOutbox limits must be positive');
    }
  }

  /** Messages currently queued (not counting a batch in flight). */
  get queuedMessages(): number {
    return this.queue.length;
  }

  /** Queues a message; returns false (and reports the peer unreachable) when the queue is full. */
  enqueue(message: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.queue.length >= this.limits.queueMessagesMax) {
      this.stats.droppedMessages += 1;
      this.hooks.onUnreachable();
      return false;
    }
    this.queue.push(message);
    if (!this.sending) void this.drain();
    return true;
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops everything queued and refuses new messages. */
  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private takeBatch(): Uint8Array[] {
    const batch: Uint8Array[] = [];
    let bytes = 0;
    while (batch.length < this.limits.batchMessagesMax) {
      const next = this.queue[0];
      if (next === undefined) break;
      // Always take at least one message, even an oversized one, so the queue moves.
      if (batch.length > 0 && bytes + next.length > this.limits.batchBytesMax) break;
      batch.push(next);
      bytes += next.length;
      this.queue.shift();
    }
    return batch;
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.hooks.send(batch);
          this.stats.sentMessages += batch.length;
        } catch {
          // The batch is lost; Raft retransmits after it hears the peer is unreachable.
          this.stats.failedBatches += 1;
          this.stats.droppedMessages += batch.length;
          this.hooks.onUnreachable();
        }
      }
    } finally {
      this.sending = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }
}
