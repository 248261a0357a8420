/**
 * The sending end of one peer's StreamMessages stream: batches go out on one
 * long-lived bidirectional call, and the peer answers each with one Ack, in
 * order. `send` resolves when the batch's Ack arrives and rejects when the
 * stream fails first (an error status, the peer ending the stream, or no Ack
 * within the timeout — a partition or a paused peer), exactly where a unary
 * SendMessages call would have failed, so the outbox reports the peer
 * unreachable the same way. A failed stream is cancelled and forgotten; the
 * next batch opens a new one. Batches that were written but not acknowledged
 * may or may not have reached the peer: Raft tolerates both (messages may be
 * lost or duplicated), and the outbox drops them and tells Raft to probe.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Ack, MessageBatch } from '../proto/index.js';
import type { NodeClock, Timer } from './node-clock.js';

/** What PeerStream needs of a client duplex call (grpc-js's ClientDuplexStream has it). */
export interface BatchStreamCall {
  write(batch: MessageBatch): boolean;
  cancel(): void;
  on(event: 'data' | 'error' | 'end', listener: (value: Ack & Error) => void): unknown;
}

/** What a PeerStream is built from. */
export interface PeerStreamOptions {
  /** Opens a new call (lazily: at the first batch and after a failure). */
  open(): BatchStreamCall;
  /** How long a written batch may wait for its Ack before the stream is given up. */
  readonly ackTimeoutMs: number;
  /** Times each batch's wait for its Ack. */
  readonly clock: NodeClock;
}

/** The stream failed while batches waited for their Acks. */
export class PeerStreamError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'PeerStreamError';
  }
}

interface Pending {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: Timer;
}

/** True when the peer does not know StreamMessages (an older node): use unary calls instead. */
export function isUnimplemented(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === GrpcStatus.UNIMPLEMENTED;
}

/** One peer's message stream; batches are acknowledged in the order they were sent. */
export class PeerStream {
  private call: BatchStreamCall | undefined;
  private pending: Pending[] = [];
  private closed = false;
  /** Counters for status and tests. */
  readonly stats = { opened: 0, failed: 0, acked: 0 };

  constructor(private readonly options: PeerStreamOptions) {
    if (!(options.ackTimeoutMs > 0)) throw new RangeError('PeerStream ackTimeoutMs must be positive');
  }

  /** Batches written and not yet acknowledged. */
  get inFlight(): number {
    return this.pending.length;
  }

  /** Sends one batch; resolves when the peer acknowledged it. */
  send(batch: MessageBatch): Promise<void> {
    if (this.closed) return Promise.reject(new PeerStreamError('peer stream closed'));
    const call = this.call ?? this.openCall();
    return new Promise<void>((resolve, reject) => {
      const timer = this.options.clock.after(this.options.ackTimeoutMs, () =>
        this.fail(
          call,
          new PeerStreamError(
            `no ack from ${batch.to} within ${this.options.ackTimeoutMs} ms`,
            GrpcStatus.DEADLINE_EXCEEDED,
          ),
        ),
      );
      this.pending.push({ resolve, reject, timer });
      call.write(batch);
    });
  }

  /** Cancels the stream; batches in flight fail, later sends are refused. */
  close(): void {
    this.closed = true;
    if (this.call !== undefined) this.fail(this.call, new PeerStreamError('peer stream closed'));
  }

  private openCall(): BatchStreamCall {
    const call = this.options.open();
    this.call = call;
    this.stats.opened += 1;
    call.on('data', () => {
      if (this.call !== call) return;
      const acked = this.pending.shift();
      if (acked === undefined) {
        this.fail(call, new PeerStreamError('peer sent an ack for no batch'));
        return;
      }
      acked.timer.cancel();
      this.stats.acked += 1;
      acked.resolve();
    });
    call.on('error', (error) => this.fail(call, error));
    call.on('end', () => this.fail(call, new PeerStreamError('peer ended the message stream')));
    return call;
  }

  private fail(call: BatchStreamCall, error: Error): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.stats.failed += 1;
    const pending = this.pending;
    this.pending = [];
    call.cancel();
    for (const entry of pending) {
      entry.timer.cancel();
      entry.reject(error);
    }
  }
}
