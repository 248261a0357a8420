/**
 * Inbound Raft traffic: the Peer gRPC service. Batches (one per unary call,
 * or many on a StreamMessages stream, each acknowledged in order once handed
 * over) are decoded and handed to the Raft loop; snapshot chunks are reassembled (bounded, contiguous) and
 * handed over as one MsgSnap with its data. Decoding failures are refused as
 * InvalidArgument; nothing here touches Raft state directly.
 */
import type {
  sendUnaryData,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { NodeError, toGrpcError, type Ack, type MessageBatch, type SnapshotChunk } from '../proto/index.js';
import type { Message } from '../raft/index.js';

/** What the Peer service needs from the node. */
export interface PeerServiceHooks {
  readonly selfId: string;
  /** Largest snapshot accepted, in bytes. */
  readonly snapshotBytesMax: number;
  decode(bytes: Uint8Array): Message;
  attachSnapshotData(message: Message, data: Uint8Array): Message;
  /** A sender told us where it can be reached. */
  learnAddress(id: string, address: string): void;
  /** Hands decoded messages to the Raft loop. */
  deliver(messages: readonly Message[]): void;
}

function checkAddressed(to: string, from: string, selfId: string): void {
  if (to !== selfId) throw new NodeError('InvalidArgument', `message for '${to}' reached node '${selfId}'`);
  if (from === '') throw new NodeError('InvalidArgument', 'message without a sender');
}

function handleBatch(hooks: PeerServiceHooks, batch: MessageBatch): void {
  checkAddressed(batch.to, batch.from, hooks.selfId);
  if (batch.fromAddress !== undefined && batch.fromAddress !== '') hooks.learnAddress(batch.from, batch.fromAddress);
  const messages = batch.messages.map((bytes, position) => {
    try {
      return hooks.decode(bytes);
    } catch (error) {
      throw new NodeError(
        'InvalidArgument',
        `messages[${position}]: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  hooks.deliver(messages);
}

/**
 * One StreamMessages stream: every batch is checked and delivered like a
 * SendMessages call, then acknowledged. The first bad batch ends the stream
 * with its error status (the sender opens a new one) and nothing after it on
 * this stream is delivered, so a batch is never delivered out of order.
 */
function handleMessageStream(hooks: PeerServiceHooks, call: ServerDuplexStream<MessageBatch, Ack>): void {
  let failed = false;
  call.on('data', (batch: MessageBatch) => {
    if (failed) return;
    try {
      handleBatch(hooks, batch);
    } catch (error) {
      failed = true;
      // grpc-js turns an 'error' on a server stream into the call's status.
      call.emit('error', toGrpcError(error));
      return;
    }
    call.write({});
  });
  call.on('end', () => {
    if (!failed) call.end();
  });
  // The sender cancelled or the connection broke: nothing to answer.
  call.on('cancelled', () => undefined);
}

/** Reassembles one snapshot stream; throws NodeError(InvalidArgument) on any inconsistency. */
export class SnapshotAssembler {
  private header: SnapshotChunk | undefined;
  private data: Uint8Array | undefined;
  private received = 0;
  private done = false;

  constructor(private readonly snapshotBytesMax: number) {}

  /** Adds the next chunk (chunks must arrive in order without gaps). */
  add(chunk: SnapshotChunk): void {
    if (this.done) throw new NodeError('InvalidArgument', 'snapshot chunk after the last one');
    if (this.header === undefined) {
      if (chunk.totalSize > this.snapshotBytesMax) {
        throw new NodeError('InvalidArgument', `snapshot of ${chunk.totalSize} bytes exceeds ${this.snapshotBytesMax}`);
      }
      if (chunk.message === undefined || chunk.message.length === 0)
        throw new NodeError('InvalidArgument', 'first snapshot chunk carries no message');
      this.header = chunk;
      this.data = new Uint8Array(chunk.totalSize);
    }
    if (chunk.offset !== this.received)
      throw new NodeError('InvalidArgument', `snapshot chunk at offset ${chunk.offset}, expected ${this.received}`);
    if (this.received + chunk.data.length > this.header.totalSize)
      throw new NodeError('InvalidArgument', 'snapshot chunks exceed total_size');
    this.data!.set(chunk.data, this.received);
    this.received += chunk.data.length;
    if (chunk.last) {
      if (this.received !== this.header.totalSize)
        throw new NodeError('InvalidArgument', `snapshot ended at ${this.received} of ${this.header.totalSize} bytes`);
      this.done = true;
    }
  }

  /** The header chunk and the whole data, once the last chunk arrived. */
  result(): { readonly header: SnapshotChunk; readonly data: Uint8Array } {
    if (!this.done || this.header === undefined || this.data === undefined)
      throw new NodeError('InvalidArgument', 'snapshot stream ended before its last chunk');
    return { header: this.header, data: this.data };
  }
}

function handleSnapshotStream(
  hooks: PeerServiceHooks,
  call: ServerReadableStream<SnapshotChunk, Ack>,
  callback: sendUnaryData<Ack>,
): void {
  const assembler = new SnapshotAssembler(hooks.snapshotBytesMax);
  let failed = false;
  const fail = (error: unknown): void => {
    if (failed) return;
    failed = true;
    callback(toGrpcError(error));
  };
  call.on('data', (chunk: SnapshotChunk) => {
    if (failed) return;
    try {
      assembler.add(chunk);
    } catch (error) {
      fail(error);
    }
  });
  call.on('error', fail);
  call.on('end', () => {
    if (failed) return;
    try {
      const { header, data } = assembler.result();
      checkAddressed(header.to, header.from, hooks.selfId);
      if (header.fromAddress !== undefined && header.fromAddress !== '')
        hooks.learnAddress(header.from, header.fromAddress);
      const message = hooks.attachSnapshotData(hooks.decode(header.message!), data);
      hooks.deliver([message]);
      callback(null, {});
    } catch (error) {
      fail(error);
    }
  });
}

/** The Peer service implementation for `server.addService`. */
export function createPeerService(hooks: PeerServiceHooks): UntypedServiceImplementation {
  return {
    SendMessages: (call: ServerUnaryCall<MessageBatch, Ack>, callback: sendUnaryData<Ack>) => {
      try {
        handleBatch(hooks, call.request);
        callback(null, {});
      } catch (error) {
        callback(toGrpcError(error));
      }
    },
    StreamMessages: (call: ServerDuplexStream<MessageBatch, Ack>) => {
      handleMessageStream(hooks, call);
    },
    InstallSnapshot: (call: ServerReadableStream<SnapshotChunk, Ack>, callback: sendUnaryData<Ack>) => {
      handleSnapshotStream(hooks, call, callback);
    },
  };
}
