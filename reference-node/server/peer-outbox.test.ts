import { describe, expect, it } from 'vitest';
import { PeerOutbox } from './peer-outbox.js';

const message = (n: number, bytes = 1): Uint8Array => new Uint8Array(bytes).fill(n);

function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PeerOutbox', () => {
  it('sends in order, in batches bounded by count and bytes, one batch in flight at a time', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const outbox = new PeerOutbox(
      { queueMessagesMax: 100, batchMessagesMax: 3, batchBytesMax: 10 },
      {
        send: async (batch) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          batches.push(batch.map((m) => m[0]!));
          inFlight--;
        },
        onUnreachable: () => {
          throw new Error('unexpected');
        },
      },
    );
    for (let i = 0; i < 7; i++) outbox.enqueue(message(i, i === 4 ? 10 : 1));
    await outbox.idle();
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // The first message leaves alone (nothing else was queued yet); then count (3) and bytes (10) bound the batches.
    expect(batches).toEqual([[0], [1, 2, 3], [4], [5, 6]]);
    expect(maxInFlight).toBe(1);
    expect(outbox.stats.sentMessages).toBe(7);
  });

  it('never splits an oversized message but ships it alone', async () => {
    const batches: number[][] = [];
    const gate = deferred();
    // Hold the first send so the rest queue up behind it.
    const slow = new PeerOutbox(
      { queueMessagesMax: 10, batchMessagesMax: 10, batchBytesMax: 4 },
      {
        send: async (batch) => {
          batches.push(batch.map((m) => m.length));
          await gate.promise;
        },
        onUnreachable: () => undefined,
      },
    );
    slow.enqueue(message(0, 1));
    slow.enqueue(message(1, 3));
    slow.enqueue(message(2, 8));
    slow.enqueue(message(3, 2));
    slow.enqueue(message(4, 2));
    gate.resolve();
    await slow.idle();
    expect(batches).toEqual([[1], [3], [8], [2, 2]]);
  });

  it('drops new messages when full and reports the peer unreachable', async () => {
    const gate = deferred();
    let unreachable = 0;
    const outbox = new PeerOutbox(
      { queueMessagesMax: 2, batchMessagesMax: 1, batchBytesMax: 100 },
      {
        send: () => gate.promise,
        onUnreachable: () => {
          unreachable++;
        },
      },
    );
    expect(outbox.enqueue(message(0))).toBe(true); // taken into flight at once
    expect(outbox.enqueue(message(1))).toBe(true);
    expect(outbox.enqueue(message(2))).toBe(true);
    expect(outbox.enqueue(message(3))).toBe(false);
    expect(unreachable).toBe(1);
    expect(outbox.stats.droppedMessages).toBe(1);
    expect(outbox.queuedMessages).toBe(2);
    gate.resolve();
    await outbox.idle();
    expect(outbox.stats.sentMessages).toBe(3);
  });

  it('reports a failed batch as unreachable and keeps sending the rest', async () => {
    let unreachable = 0;
    let calls = 0;
    const sent: number[] = [];
    const outbox = new PeerOutbox(
      { queueMessagesMax: 10, batchMessagesMax: 1, batchBytesMax: 100 },
      {
        send: async (batch) => {
          calls++;
          if (calls === 1) throw new Error('connection refused');
          sent.push(batch[0]![0]!);
        },
        onUnreachable: () => {
          unreachable++;
        },
      },
    );
    outbox.enqueue(message(0));
    outbox.enqueue(message(1));
    outbox.enqueue(message(2));
    await outbox.idle();
    expect(unreachable).toBe(1);
    expect(outbox.stats.failedBatches).toBe(1);
    expect(sent).toEqual([1, 2]);
  });

  it('refuses everything after close', () => {
    const outbox = new PeerOutbox(
      { queueMessagesMax: 10, batchMessagesMax: 1, batchBytesMax: 100 },
      { send: async () => undefined, onUnreachable: () => undefined },
    );
    outbox.close();
    expect(outbox.enqueue(message(0))).toBe(false);
  });

  it('rejects non-positive limits', () => {
    expect(
      () =>
        new PeerOutbox(
          { queueMessagesMax: 0, batchMessagesMax: 1, batchBytesMax: 1 },
          { send: async () => undefined, onUnreachable: () => undefined },
        ),
    ).toThrow(RangeError);
  });
});
