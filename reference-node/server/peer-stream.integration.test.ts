/**
 * The Peer service's StreamMessages over real gRPC on 127.0.0.1: batches are
 * delivered in order and acknowledged one by one, a bad batch ends the stream
 * with its status and nothing after it is delivered, a starting node refuses
 * the stream with NodeStarting, a graceful shutdown ends open streams with OK
 * (instead of holding the shutdown until its grace period cuts them), and the
 * transport falls back to unary calls for a peer that does not serve the stream.
 */
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type handleBidiStreamingCall,
  type handleUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPeerGrpcClient,
  serviceDefinition,
  type Ack,
  type MessageBatch,
  type PeerGrpcClient,
} from '../proto/index.js';
import {
  asLogIndex,
  asNodeId,
  decodeMessage,
  encodeMessage,
  makeMessage,
  MessageType,
  type Message,
} from '../raft/index.js';
import { systemClock } from './node-clock.js';
import { NodeServer } from './node-server.js';
import { createPeerService, type PeerServiceHooks } from './peer-service.js';
import { PeerTransport } from './peer-transport.js';
import { waitFor } from './test/process-cluster.js';

/** Resolves once `ready()` holds (polled; rejects naming `what` after 5 s). */
const until = (what: string, ready: () => boolean): Promise<true> =>
  waitFor(what, 5_000, () => Promise.resolve(ready() ? true : undefined), 5);

const append = (index: number, to = 'n2'): Message =>
  makeMessage({ type: MessageType.Append, from: asNodeId('n1'), to: asNodeId(to), index: asLogIndex(index) });
const batchOf = (indexes: readonly number[], to = 'n2'): MessageBatch => ({
  from: 'n1',
  to,
  messages: indexes.map((index) => encodeMessage(append(index, to))),
  fromAddress: '127.0.0.1:1',
});

function hooks(delivered: Message[]): PeerServiceHooks {
  return {
    selfId: 'n2',
    snapshotBytesMax: 1 << 20,
    decode: decodeMessage,
    attachSnapshotData: (message) => message,
    learnAddress: () => undefined,
    deliver: (messages) => {
      delivered.push(...messages);
    },
  };
}

/** Runs one stream: writes `batches`, collects acks until the stream ends, and resolves with the acks and the final status. */
function runStream(
  client: PeerGrpcClient,
  batches: readonly MessageBatch[],
): Promise<{ acks: number; code: number; details: string }> {
  return new Promise((resolve) => {
    const call = client.StreamMessages();
    let acks = 0;
    call.on('data', (_ack: Ack) => {
      acks += 1;
      if (acks === batches.length) call.end();
    });
    call.on('error', (error: ServiceError) => resolve({ acks, code: error.code, details: error.details }));
    call.on('status', (status: { code: GrpcStatus; details: string }) => {
      if (status.code === GrpcStatus.OK) resolve({ acks, code: status.code, details: status.details });
    });
    for (const batch of batches) call.write(batch);
  });
}

describe('Peer.StreamMessages', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function nodeServer(): Promise<{ server: NodeServer; address: string; client: PeerGrpcClient }> {
    const server = new NodeServer({ clock: systemClock });
    const address = await server.bind('127.0.0.1:0');
    const client = createPeerGrpcClient(address);
    cleanups.push(
      () => server.forceShutdown(),
      () => client.close(),
    );
    return { server, address, client };
  }

  it('delivers every batch in order and acknowledges each', async () => {
    const { server, client } = await nodeServer();
    const delivered: Message[] = [];
    server.open('Peer', createPeerService(hooks(delivered)));
    const outcome = await runStream(client, [batchOf([1, 2]), batchOf([3]), batchOf([4, 5, 6])]);
    expect(outcome).toMatchObject({ acks: 3, code: GrpcStatus.OK });
    expect(delivered.map((m) => Number(m.index))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('ends the stream at the first bad batch with InvalidArgument, delivering nothing after it', async () => {
    const { server, client } = await nodeServer();
    const delivered: Message[] = [];
    server.open('Peer', createPeerService(hooks(delivered)));
    const garbage: MessageBatch = {
      from: 'n1',
      to: 'n2',
      messages: [new Uint8Array([0xff, 0xff, 0xff])],
      fromAddress: '',
    };
    const misaddressed = await runStream(client, [batchOf([1]), batchOf([2], 'n3'), batchOf([3])]);
    expect(misaddressed).toMatchObject({ acks: 1, code: GrpcStatus.INVALID_ARGUMENT });
    expect(misaddressed.details).toMatch(/message for 'n3' reached node 'n2'/);
    const undecodable = await runStream(client, [garbage, batchOf([4])]);
    expect(undecodable).toMatchObject({ acks: 0, code: GrpcStatus.INVALID_ARGUMENT });
    expect(undecodable.details).toMatch(/messages\[0\]/);
    expect(delivered.map((m) => Number(m.index))).toEqual([1]);
    // A new stream after a failed one is served again.
    expect(await runStream(client, [batchOf([5])])).toMatchObject({ acks: 1, code: GrpcStatus.OK });
    expect(delivered.map((m) => Number(m.index))).toEqual([1, 5]);
  });

  it('is refused with NodeStarting until the Peer service opens', async () => {
    const { client } = await nodeServer();
    const outcome = await runStream(client, [batchOf([1])]);
    expect(outcome).toMatchObject({ acks: 0, code: GrpcStatus.UNAVAILABLE });
    expect(outcome.details).toMatch(/still starting; Peer\.StreamMessages/);
  });

  it('ends open streams with OK at a graceful shutdown', async () => {
    const { server, client } = await nodeServer();
    const delivered: Message[] = [];
    server.open('Peer', createPeerService(hooks(delivered)));
    const call = client.StreamMessages();
    const ended = new Promise<number>((resolve) => {
      call.on('error', (error: ServiceError) => resolve(error.code));
      call.on('status', (status: { code: number }) => resolve(status.code));
    });
    const acked = new Promise<void>((resolve) => call.once('data', () => resolve()));
    call.on('data', () => undefined);
    call.write(batchOf([1]));
    await acked;
    await server.shutdown();
    // A cut stream (the grace period's forceShutdown) would end UNAVAILABLE or CANCELLED.
    expect(await ended).toBe(GrpcStatus.OK);
  });

  it('lets the transport fall back to SendMessages for a peer that does not serve the stream', async () => {
    const delivered: Message[] = [];
    const implementation = createPeerService(hooks(delivered));
    // An older node: the Peer service without StreamMessages answers it UNIMPLEMENTED.
    const legacy = new Server();
    legacy.addService(serviceDefinition('Peer'), {
      SendMessages: implementation.SendMessages!,
      InstallSnapshot: implementation.InstallSnapshot!,
    });
    const port = await new Promise<number>((resolve, reject) =>
      legacy.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error === null ? resolve(bound) : reject(error),
      ),
    );
    cleanups.push(() => legacy.forceShutdown());
    const unreachable: string[] = [];
    const transport = new PeerTransport({
      selfId: 'n1',
      selfAddress: '127.0.0.1:1',
      queueMessagesMax: 100,
      batchMessagesMax: 10,
      batchBytesMax: 1 << 20,
      snapshotChunkBytes: 1 << 16,
      rpcTimeoutMs: 5_000,
      codec: {
        encode: (m) => encodeMessage(m),
        encodeWithoutSnapshotData: (m) => encodeMessage(m, { omitSnapshotData: true }),
      },
      addressOf: () => `127.0.0.1:${port}`,
      onUnreachable: (id) => unreachable.push(id),
      onSnapshotStatus: () => undefined,
      logger: pino({ level: 'silent' }),
      clock: systemClock,
    });
    cleanups.push(() => transport.close());
    // The first batch meets UNIMPLEMENTED and is lost like any failed send (Raft is told to probe).
    transport.send([append(1)]);
    await until('the refused stream to be reported', () => unreachable.length === 1);
    transport.send([append(2)]);
    transport.send([append(3)]);
    await until('the unary fallback to deliver', () => delivered.length === 2);
    expect(delivered.map((m) => Number(m.index))).toEqual([2, 3]);
    expect(unreachable).toEqual(['n2']);
  });

  it("carries the transport's batches in order on one stream, without unary calls", async () => {
    const { server, address } = await nodeServer();
    const delivered: Message[] = [];
    const implementation = createPeerService(hooks(delivered));
    const calls = { stream: 0, unary: 0 };
    server.open('Peer', {
      ...implementation,
      StreamMessages: ((call) => {
        calls.stream += 1;
        (implementation.StreamMessages as handleBidiStreamingCall<MessageBatch, Ack>)(call);
      }) as handleBidiStreamingCall<MessageBatch, Ack>,
      SendMessages: ((call, callback) => {
        calls.unary += 1;
        (implementation.SendMessages as handleUnaryCall<MessageBatch, Ack>)(call, callback);
      }) as handleUnaryCall<MessageBatch, Ack>,
    });
    const unreachable: string[] = [];
    const transport = new PeerTransport({
      selfId: 'n1',
      selfAddress: '127.0.0.1:1',
      queueMessagesMax: 1_000,
      batchMessagesMax: 4,
      batchBytesMax: 1 << 20,
      snapshotChunkBytes: 1 << 16,
      rpcTimeoutMs: 5_000,
      codec: {
        encode: (m) => encodeMessage(m),
        encodeWithoutSnapshotData: (m) => encodeMessage(m, { omitSnapshotData: true }),
      },
      addressOf: () => address,
      onUnreachable: (id) => unreachable.push(id),
      onSnapshotStatus: () => undefined,
      logger: pino({ level: 'silent' }),
      clock: systemClock,
    });
    cleanups.push(() => transport.close());
    for (let index = 1; index <= 50; index++) transport.send([append(index)]);
    await until('all 50 messages', () => delivered.length === 50);
    expect(delivered.map((m) => Number(m.index))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(unreachable).toEqual([]);
    expect(calls).toEqual({ stream: 1, unary: 0 });
  });
});
