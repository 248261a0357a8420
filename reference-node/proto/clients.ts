/**
 * Typed, promise-based clients of the node's services. The harness may import
 * only `reference-node/proto/`, so these are its way to talk to a node. Every
 * failed call rejects with `RpcError`, whose `classification` says whether the
 * operation surely did not happen.
 */
import {
  credentials,
  type CallOptions as GrpcCallOptions,
  type ChannelOptions,
  type Client,
  type ClientDuplexStream,
  type ClientUnaryCall,
  type ClientWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { RpcError } from './classify-error.js';
import type * as M from './messages.js';
import { loadEkvServices, type EkvServices } from './proto-loader.js';

/** Per-call options. */
export interface CallOptions {
  /** Deadline of the call, relative to now. */
  readonly timeoutMs?: number;
  /** Cancels the call when aborted (it then fails with Cancelled, indefinite: it may have been sent). */
  readonly signal?: AbortSignal;
}

/** Defaults of the clients (one place, STYLE.md 3). */
export const clientDefaults = Object.freeze({
  timeoutMs: 10_000,
  /** Reconnect quickly to a restarted node: the cluster's faults are short. */
  reconnectBackoffMaxMs: 1_000,
  messageBytesMax: 64 * 1024 * 1024,
});

/** Channel options shared by every client of the node's services. */
export function channelOptions(): ChannelOptions {
  return {
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': clientDefaults.reconnectBackoffMaxMs,
    'grpc.max_receive_message_length': clientDefaults.messageBytesMax,
    'grpc.max_send_message_length': clientDefaults.messageBytesMax,
    'grpc.enable_retries': 0,
  };
}

/** One unary RPC: resolves with the answer, rejects with `RpcError`. */
export type Unary<Req, Res> = (request: Req, options?: CallOptions) => Promise<Res>;

function unary<Req, Res>(client: Client, method: string): Unary<Req, Res> {
  const fn = (client as unknown as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new Error(`gRPC method ${method} missing`);
  return (request, options) =>
    new Promise<Res>((resolve, reject) => {
      const deadline = new Date(Date.now() + (options?.timeoutMs ?? clientDefaults.timeoutMs));
      const signal = options?.signal;
      const call = (fn as (r: Req, o: object, cb: (e: ServiceError | null, v?: Res) => void) => ClientUnaryCall).call(
        client,
        request,
        { deadline },
        (error, value) => {
          signal?.removeEventListener('abort', cancel);
          if (error !== null) reject(new RpcError(method, error));
          else resolve(value as Res);
        },
      );
      function cancel(): void {
        call.cancel();
      }
      if (signal?.aborted === true) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });
    });
}

function newClient(service: keyof EkvServices, address: string, extra: ChannelOptions = {}): Client {
  const Ctor = loadEkvServices()[service];
  return new Ctor(address, credentials.createInsecure(), { ...channelOptions(), ...extra });
}

/**
 * Peer channels ping their connection: a link that silently drops packets (a
 * partition, a paused process) is detected and re-dialled instead of eating
 * every call until its deadline forever.
 */
const peerKeepalive: ChannelOptions = {
  'grpc.keepalive_time_ms': 2_000,
  'grpc.keepalive_timeout_ms': 2_000,
  'grpc.keepalive_permit_without_calls': 1,
};

/** The KV service of one node. */
export interface KvClient {
  readonly address: string;
  get: Unary<M.GetRequest, M.GetResponse>;
  put: Unary<M.PutRequest, M.PutResponse>;
  delete: Unary<M.DeleteRequest, M.DeleteResponse>;
  compareAndSet: Unary<M.CompareAndSetRequest, M.CompareAndSetResponse>;
  /** Closes the channel for new calls; calls already started run on until they finish or their deadline or `signal` ends them (grpc-js does not cancel them). */
  close(): void;
}

/** The RaftAdmin service of one node. */
export interface AdminClient {
  readonly address: string;
  status: Unary<M.StatusRequest, M.StatusResponse>;
  addVoter: Unary<M.AddServerRequest, M.MembershipResponse>;
  addLearner: Unary<M.AddServerRequest, M.MembershipResponse>;
  promote: Unary<M.ServerRequest, M.MembershipResponse>;
  removeServer: Unary<M.ServerRequest, M.MembershipResponse>;
  transferLeadership: Unary<M.ServerRequest, M.TransferLeadershipResponse>;
  debugProposeRaw: Unary<M.DebugProposeRawRequest, M.DebugProposeRawResponse>;
  close(): void;
}

/**
 * The EncryptionAdmin service of one node (spec §6). Its uint64 fields are
 * decimal strings (see messages.ts). Mutators must reach the leader; a
 * follower refuses them with EncryptionFailedPrecondition and the leader hint.
 */
export interface EncryptionAdminClient {
  readonly address: string;
  getCapability: Unary<M.GetCapabilityRequest, M.CapabilityReport>;
  getSidecarState: Unary<M.GetSidecarStateRequest, M.SidecarStateReport>;
  resyncSidecar: Unary<M.ResyncSidecarRequest, M.ResyncSidecarResponse>;
  bootstrapEncryption: Unary<M.BootstrapEncryptionRequest, M.BootstrapEncryptionResponse>;
  rotateDek: Unary<M.RotateDekRequest, M.RotateDekResponse>;
  registerEncryptionWriter: Unary<M.RegisterEncryptionWriterRequest, M.RegisterEncryptionWriterResponse>;
  enableStorageEnvelope: Unary<M.EnableStorageEnvelopeRequest, M.EnableStorageEnvelopeResponse>;
  enableRaftEnvelope: Unary<M.EnableRaftEnvelopeRequest, M.EnableRaftEnvelopeResponse>;
  close(): void;
}

/** Creates a KV client for `address` (host:port). Connects lazily. */
export function createKvClient(address: string): KvClient {
  const client = newClient('KV', address);
  return {
    address,
    get: unary(client, 'Get'),
    put: unary(client, 'Put'),
    delete: unary(client, 'Delete'),
    compareAndSet: unary(client, 'CompareAndSet'),
    close: () => client.close(),
  };
}

/** Creates a RaftAdmin client for `address` (host:port). Connects lazily. */
export function createAdminClient(address: string): AdminClient {
  const client = newClient('RaftAdmin', address);
  return {
    address,
    status: unary(client, 'Status'),
    addVoter: unary(client, 'AddVoter'),
    addLearner: unary(client, 'AddLearner'),
    promote: unary(client, 'Promote'),
    removeServer: unary(client, 'RemoveServer'),
    transferLeadership: unary(client, 'TransferLeadership'),
    debugProposeRaw: unary(client, 'DebugProposeRaw'),
    close: () => client.close(),
  };
}

/** Creates an EncryptionAdmin client for `address` (host:port). Connects lazily. */
export function createEncryptionAdminClient(address: string): EncryptionAdminClient {
  const client = newClient('EncryptionAdmin', address);
  return {
    address,
    getCapability: unary(client, 'GetCapability'),
    getSidecarState: unary(client, 'GetSidecarState'),
    resyncSidecar: unary(client, 'ResyncSidecar'),
    bootstrapEncryption: unary(client, 'BootstrapEncryption'),
    rotateDek: unary(client, 'RotateDEK'),
    registerEncryptionWriter: unary(client, 'RegisterEncryptionWriter'),
    enableStorageEnvelope: unary(client, 'EnableStorageEnvelope'),
    enableRaftEnvelope: unary(client, 'EnableRaftEnvelope'),
    close: () => client.close(),
  };
}

/** The gRPC client of the Peer service, as proto-loader generates it (used by the node's transport). */
export interface PeerGrpcClient extends Client {
  SendMessages(
    request: M.MessageBatch,
    options: GrpcCallOptions,
    callback: (error: ServiceError | null, value?: M.Ack) => void,
  ): ClientUnaryCall;
  InstallSnapshot(
    options: GrpcCallOptions,
    callback: (error: ServiceError | null, value?: M.Ack) => void,
  ): ClientWritableStream<M.SnapshotChunk>;
  /** One long-lived stream of batches; one Ack per batch, in order. */
  StreamMessages(options?: GrpcCallOptions): ClientDuplexStream<M.MessageBatch, M.Ack>;
}

/** The gRPC client of the KV service, as proto-loader generates it (the node's leader forwarder uses its Forward stream). */
export interface KvGrpcClient extends Client {
  /** One long-lived stream of forwarded requests; one response per request, matched by id. */
  Forward(options?: GrpcCallOptions): ClientDuplexStream<M.ForwardRequest, M.ForwardResponse>;
}

/**
 * Creates a KV gRPC client for `address` (host:port) for a node's forwarding
 * to its leader. Connects lazily. Its channel pings like a peer channel: one
 * stream carries every forward, so a silently dead link must fail it rather
 * than hold each request to its deadline. It keeps its own connection
 * (a local subchannel pool): sharing the Peer channel's, which has the same
 * options, it inherited that channel's reconnect backoff after a partition
 * healed, and a forward then failed at once ("No connection established")
 * while Raft traffic already flowed again.
 */
export function createKvGrpcClient(address: string): KvGrpcClient {
  return newClient('KV', address, { ...peerKeepalive, 'grpc.use_local_subchannel_pool': 1 }) as KvGrpcClient;
}

/** Creates a Peer client for `address` (host:port). Connects lazily. */
export function createPeerGrpcClient(address: string): PeerGrpcClient {
  return newClient('Peer', address, peerKeepalive) as PeerGrpcClient;
}
