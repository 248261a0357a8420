/**
 * Outbound Raft traffic: one bounded outbox per peer for ordinary messages,
 * shipped on one long-lived StreamMessages stream per peer (PeerStream; a
 * peer that does not know the stream gets unary SendMessages calls), and a
 * separate path that streams snapshots in chunks (at most one per peer
 * at a time), reporting the outcome back to Raft (reportSnapshot) as etcd's
 * transport does. Messages are opaque bytes produced by the core's codec.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { createPeerGrpcClient, type MessageBatch, type PeerGrpcClient, type SnapshotChunk } from '../proto/index.js';
import { MessageType, type Message } from '../raft/index.js';
import type { Logger } from './logger.js';
import type { NodeClock } from './node-clock.js';
import { PeerOutbox } from './peer-outbox.js';
import { isUnimplemented, PeerStream } from './peer-stream.js';

/** How messages become bytes (the Raft core's codec). */
export interface PeerMessageCodec {
  encode(message: Message): Uint8Array;
  /** A snapshot message without its data (the data is streamed separately). */
  encodeWithoutSnapshotData(message: Message): Uint8Array;
}

/** What the transport needs from the node. */
export interface PeerTransportOptions {
  readonly selfId: string;
  readonly selfAddress: string;
  readonly queueMessagesMax: number;
  readonly batchMessagesMax: number;
  readonly batchBytesMax: number;
  readonly snapshotChunkBytes: number;
  readonly rpcTimeoutMs: number;
  readonly codec: PeerMessageCodec;
  /** The address to dial for a peer (route override or address book), if known. */
  addressOf(id: string): string | undefined;
  /** Raft should treat the peer as unreachable (probe it again). */
  onUnreachable(id: string): void;
  /** Outcome of a snapshot sent to a peer. */
  onSnapshotStatus(id: string, status: 'finish' | 'failure'): void;
  readonly logger: Logger;
  /** Times the RPC deadlines and the streams' Ack timeouts. */
  readonly clock: NodeClock;
}

interface PeerLink {
  address: string;
  client: PeerGrpcClient;
  outbox: PeerOutbox;
  stream: PeerStream;
  /** The peer answered StreamMessages with UNIMPLEMENTED: unary calls from now on. */
  unaryOnly: boolean;
  snapshotInFlight: boolean;
}

/** Sends Raft messages to peers over the Peer gRPC service. */
export class PeerTransport {
  private readonly links = new Map<string, PeerLink>();
  private closed = false;

  constructor(private readonly options: PeerTransportOptions) {}

  /** Queues messages for their destinations (snapshots take the streaming path). */
  send(messages: readonly Message[]): void {
    if (this.closed) return;
    for (const message of messages) {
      const link = this.linkFor(message.to);
      if (link === undefined) {
        this.options.onUnreachable(message.to);
        if (message.type === MessageType.Snapshot) this.options.onSnapshotStatus(message.to, 'failure');
        continue;
      }
      if (message.type === MessageType.Snapshot) this.sendSnapshot(message.to, link, message);
      else link.outbox.enqueue(this.options.codec.encode(message));
    }
  }

  /** Stops sending and closes every channel. */
  close(): void {
    this.closed = true;
    for (const link of this.links.values()) {
      link.outbox.close();
      link.stream.close();
      link.client.close();
    }
    this.links.clear();
  }

  /** Messages queued per peer (for status and tests). */
  queuedMessages(): ReadonlyMap<string, number> {
    return new Map([...this.links].map(([id, link]) => [id, link.outbox.queuedMessages]));
  }

  private linkFor(id: string): PeerLink | undefined {
    const address = this.options.addressOf(id);
    if (address === undefined) return undefined;
    const existing = this.links.get(id);
    if (existing !== undefined && existing.address === address) return existing;
    if (existing !== undefined) {
      // The peer moved (a new route or address): start over on a fresh channel.
      existing.outbox.close();
      existing.stream.close();
      existing.client.close();
    }
    const client = createPeerGrpcClient(address);
    const link: PeerLink = {
      address,
      client,
      snapshotInFlight: false,
      unaryOnly: false,
      stream: new PeerStream({
        open: () => client.StreamMessages(),
        ackTimeoutMs: this.options.rpcTimeoutMs,
        clock: this.options.clock,
      }),
      outbox: new PeerOutbox(
        {
          queueMessagesMax: this.options.queueMessagesMax,
          batchMessagesMax: this.options.batchMessagesMax,
          batchBytesMax: this.options.batchBytesMax,
        },
        {
          send: (batch) => this.sendBatch(link, id, batch),
          onUnreachable: () => this.options.onUnreachable(id),
        },
      ),
    };
    this.links.set(id, link);
    return link;
  }

  private async sendBatch(link: PeerLink, to: string, messages: readonly Uint8Array[]): Promise<void> {
    const batch: MessageBatch = { from: this.options.selfId, to, messages, fromAddress: this.options.selfAddress };
    if (link.unaryOnly) return this.sendUnary(link.client, batch);
    try {
      await link.stream.send(batch);
    } catch (error) {
      if (isUnimplemented(error)) {
        link.unaryOnly = true;
        this.options.logger.info({ to }, 'peer does not serve StreamMessages; sending unary SendMessages calls');
      }
      throw error;
    }
  }

  private sendUnary(client: PeerGrpcClient, batch: MessageBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(this.options.clock.nowMs() + this.options.rpcTimeoutMs);
      client.SendMessages(batch, { deadline }, (error: ServiceError | null) =>
        error === null ? resolve() : reject(error),
      );
    });
  }

  private sendSnapshot(to: string, link: PeerLink, message: Message): void {
    if (link.snapshotInFlight) {
      // Raft resends after the report; a second concurrent stream would only waste bandwidth.
      this.options.onSnapshotStatus(to, 'failure');
      return;
    }
    link.snapshotInFlight = true;
    const data = message.snapshot?.data ?? new Uint8Array(0);
    this.streamSnapshot(link.client, to, message, data).then(
      () => {
        link.snapshotInFlight = false;
        this.options.logger.info({ to, index: message.snapshot?.metadata.index, bytes: data.length }, 'snapshot sent');
        this.options.onSnapshotStatus(to, 'finish');
      },
      (error: unknown) => {
        link.snapshotInFlight = false;
        this.options.logger.warn(
          { to, err: error instanceof Error ? error.message : String(error) },
          'snapshot send failed',
        );
        this.options.onSnapshotStatus(to, 'failure');
      },
    );
  }

  private streamSnapshot(client: PeerGrpcClient, to: string, message: Message, data: Uint8Array): Promise<void> {
    const chunkBytes = this.options.snapshotChunkBytes;
    const chunkCount = Math.max(1, Math.ceil(data.length / chunkBytes));
    return new Promise<void>((resolve, reject) => {
      const deadline = new Date(this.options.clock.nowMs() + this.options.rpcTimeoutMs * chunkCount);
      const call = client.InstallSnapshot({ deadline }, (error: ServiceError | null) =>
        error === null ? resolve() : reject(error),
      );
      const writeChunks = async (): Promise<void> => {
        for (let index = 0; index < chunkCount; index++) {
          const offset = index * chunkBytes;
          const chunk: SnapshotChunk = {
            from: this.options.selfId,
            to,
            message: index === 0 ? this.options.codec.encodeWithoutSnapshotData(message) : new Uint8Array(0),
            offset,
            data: data.subarray(offset, Math.min(data.length, offset + chunkBytes)),
            last: index === chunkCount - 1,
            totalSize: data.length,
            fromAddress: this.options.selfAddress,
          };
          if (!call.write(chunk)) await new Promise<void>((drained) => call.once('drain', () => drained()));
        }
        call.end();
      };
      writeChunks().catch((error: unknown) => {
        call.cancel();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }
}
