import { EventEmitter } from 'node:events';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageBatch } from '../proto/index.js';
import { systemClock } from './node-clock.js';
import { isUnimplemented, PeerStream, type BatchStreamCall } from './peer-stream.js';

/** A client duplex call the test drives by hand: it records writes and emits what the peer would. */
class FakeCall extends EventEmitter implements BatchStreamCall {
  readonly written: MessageBatch[] = [];
  cancelled = false;
  write(batch: MessageBatch): boolean {
    this.written.push(batch);
    return true;
  }
  cancel(): void {
    this.cancelled = true;
    // grpc-js reports a cancelled call as an error of its own, after the fact.
    queueMicrotask(() => this.emit('error', Object.assign(new Error('cancelled'), { code: GrpcStatus.CANCELLED })));
  }
  ack(): void {
    this.emit('data', {});
  }
}

const batch = (n: number): MessageBatch => ({
  from: 'n1',
  to: 'n2',
  messages: [new Uint8Array([n])],
  fromAddress: '127.0.0.1:1',
});

function harness(ackTimeoutMs = 1_000): { stream: PeerStream; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const stream = new PeerStream({
    open: () => {
      const call = new FakeCall();
      calls.push(call);
      return call;
    },
    ackTimeoutMs,
    clock: systemClock,
  });
  return { stream, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('PeerStream', () => {
  it('opens one call lazily and resolves the batches in the order of their acks', async () => {
    const { stream, calls } = harness();
    expect(calls).toHaveLength(0);
    const order: number[] = [];
    const first = stream.send(batch(1)).then(() => order.push(1));
    const second = stream.send(batch(2)).then(() => order.push(2));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.written.map((b) => b.messages[0]![0])).toEqual([1, 2]);
    expect(stream.inFlight).toBe(2);
    calls[0]!.ack();
    await first;
    expect(order).toEqual([1]);
    calls[0]!.ack();
    await second;
    expect(order).toEqual([1, 2]);
    expect(stream.inFlight).toBe(0);
  });

  it('fails every batch in flight when the call errors, and the next batch opens a new call', async () => {
    const { stream, calls } = harness();
    const first = stream.send(batch(1));
    const second = stream.send(batch(2));
    calls[0]!.emit('error', Object.assign(new Error('invalid'), { code: GrpcStatus.INVALID_ARGUMENT }));
    await expect(first).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
    await expect(second).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
    expect(calls[0]!.cancelled).toBe(true);
    const third = stream.send(batch(3));
    expect(calls).toHaveLength(2);
    expect(calls[1]!.written.map((b) => b.messages[0]![0])).toEqual([3]);
    // A late ack on the old call is not taken for the new call's batch.
    calls[0]!.ack();
    expect(stream.inFlight).toBe(1);
    calls[1]!.ack();
    await third;
    expect(stream.stats).toMatchObject({ opened: 2, failed: 1, acked: 1 });
  });

  it('gives the call up when an ack does not come within the timeout (a partition or a paused peer)', async () => {
    vi.useFakeTimers();
    const { stream, calls } = harness(500);
    const sent = stream.send(batch(1));
    const outcome = sent.then(
      () => 'acked',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(499);
    expect(stream.inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toMatchObject({ code: GrpcStatus.DEADLINE_EXCEEDED });
    expect(calls[0]!.cancelled).toBe(true);
    // An acked batch's timer is cleared: it never fails the call later.
    const next = stream.send(batch(2));
    calls[1]!.ack();
    await next;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(stream.stats.failed).toBe(1);
  });

  it('treats the peer ending the stream, or an ack for no batch, as a failure', async () => {
    const { stream, calls } = harness();
    const first = stream.send(batch(1));
    calls[0]!.emit('end');
    await expect(first).rejects.toThrow(/ended the message stream/);
    const second = stream.send(batch(2));
    calls[1]!.ack();
    await second;
    calls[1]!.ack();
    const third = stream.send(batch(3));
    expect(calls).toHaveLength(3);
    calls[2]!.ack();
    await third;
  });

  it('refuses sends after close and fails what was in flight', async () => {
    const { stream, calls } = harness();
    const first = stream.send(batch(1));
    stream.close();
    await expect(first).rejects.toThrow(/closed/);
    expect(calls[0]!.cancelled).toBe(true);
    await expect(stream.send(batch(2))).rejects.toThrow(/closed/);
    expect(calls).toHaveLength(1);
  });

  it('recognises a peer without the stream (UNIMPLEMENTED) and nothing else as such', () => {
    expect(isUnimplemented({ code: GrpcStatus.UNIMPLEMENTED })).toBe(true);
    expect(isUnimplemented({ code: GrpcStatus.UNAVAILABLE })).toBe(false);
    expect(isUnimplemented(new Error('x'))).toBe(false);
    expect(isUnimplemented(undefined)).toBe(false);
  });

  it('refuses a non-positive ack timeout', () => {
    expect(() => new PeerStream({ open: () => new FakeCall(), ackTimeoutMs: 0, clock: systemClock })).toThrow(
      RangeError,
    );
  });
});
