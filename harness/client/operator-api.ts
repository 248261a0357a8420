/**
 * What the rollout process and the status sampler need from a node, as the
 * operator's tools see it: RaftAdmin (status, membership, leadership) and
 * EncryptionAdmin (capability, sidecar state, bootstrap, cutovers, rotations,
 * registrations), plus the KEK-side key tools. The gRPC implementation speaks
 * the node's public contract (reference-node/proto); tests use fakes. Every
 * call rejects with an error `classify` maps to definite / indefinite.
 */
import type { NodeStatusView, SidecarView } from '../../checkers/artifacts/index.js';
import type { CallFailure } from './kv-connection.js';

/** A member as Status lists it. */
export interface MemberView {
  readonly id: string;
  readonly suffrage: 'voter' | 'learner';
  readonly address: string;
}

/** RaftAdmin Status: what the sampler records plus what the rollout needs. */
export interface NodeStatus extends NodeStatusView {
  readonly id: string;
  /** FNV-1a-64 of the id (decimal). */
  readonly fullNodeId: string;
  readonly leaderAddress: string;
  readonly members: readonly MemberView[];
  readonly version: string;
}

/** GetCapability. */
export interface Capability {
  readonly capable: boolean;
  readonly fullNodeId: string;
  readonly localEpoch: number;
}

/** The proposer fields of a mutator: whose registry row the entry carries. */
export interface Proposer {
  readonly fullNodeId: string;
  readonly localEpoch: number;
}

/** An applied admin entry (the index its entry applied at). */
export interface Applied {
  readonly appliedIndex: number;
}

/** The answer of an Enable RPC. */
export interface EnableAnswer extends Applied {
  readonly wasAlreadyActive: boolean;
}

/** One writer of a bootstrap batch or registration. */
export interface Writer {
  readonly fullNodeId: string;
  readonly localEpoch: number;
}

/** The operator's access to nodes by address. */
export interface OperatorApi {
  status(address: string, timeoutMs: number): Promise<NodeStatus>;
  /** GetSidecarState; null when the node has no sidecar path (not encryption-capable). */
  sidecar(address: string, timeoutMs: number): Promise<SidecarView | null>;
  capability(address: string, timeoutMs: number): Promise<Capability>;
  /** The registry rows (DEK id → last seen local epoch) of `fullNodeId`, as the leader at `leaderAddress` projects them (ResyncSidecar). */
  registryRows(leaderAddress: string, fullNodeId: string, timeoutMs: number): Promise<Readonly<Record<string, number>>>;
  /** BootstrapEncryption with fresh DEKs wrapped under the KEK file. */
  bootstrap(
    address: string,
    request: { readonly storageDekId: number; readonly raftDekId: number; readonly writers: readonly Writer[] },
    timeoutMs: number,
  ): Promise<Applied>;
  enable(address: string, purpose: 'storage' | 'raft', proposer: Proposer, timeoutMs: number): Promise<EnableAnswer>;
  /** RotateDEK with a fresh DEK wrapped under the KEK file. */
  rotateDek(
    address: string,
    request: { readonly purpose: 'storage' | 'raft'; readonly newDekId: number; readonly proposer: Proposer },
    timeoutMs: number,
  ): Promise<Applied>;
  registerWriter(
    address: string,
    request: { readonly dekId: number; readonly writers: readonly Writer[] },
    timeoutMs: number,
  ): Promise<Applied>;
  addLearner(
    address: string,
    node: { readonly id: string; readonly address: string },
    timeoutMs: number,
  ): Promise<Applied>;
  promote(address: string, id: string, timeoutMs: number): Promise<Applied>;
  remove(address: string, id: string, timeoutMs: number): Promise<Applied>;
  transferLeadership(
    address: string,
    id: string,
    timeoutMs: number,
  ): Promise<{ readonly leader: string; readonly term: number }>;
  /** Maps a rejection of any call above to fail (definite) or info. */
  classify(error: unknown): CallFailure;
  close(): void;
}
