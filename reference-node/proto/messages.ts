/**
 * TypeScript shapes of every message in kv.proto, raft_admin.proto,
 * peer.proto and encryption_admin.proto, as @grpc/proto-loader hands them
 * over with the options chosen in `proto-loader.ts`:
 * - field names are camelCase (`keepCase: false`): `no_forward` → `noForward`;
 * - in kv, raft_admin and peer, 64-bit integers are JavaScript numbers
 *   (`longs: Number`): log indexes, terms and byte counts stay far below 2^53,
 *   and `full_node_id` is a decimal string in the proto itself;
 * - in encryption_admin, every uint64 field (full node ids, applied and
 *   cutover indexes) is a decimal string (`longs: String`): full node ids use
 *   all 64 bits. Send them as decimal strings too;
 * - `map<uint32, …>` fields are plain objects keyed by the decimal id;
 * - enums are their value names (`enums: String`), e.g. 'DEK_PURPOSE_RAFT';
 * - `bytes` fields arrive as Buffer (any Uint8Array may be sent);
 * - every field is present on receipt (`defaults: true`); optional fields below
 *   are the ones a sender may leave out.
 */

// ---- kv.proto ----

export interface GetRequest {
  readonly key: Uint8Array;
  readonly noForward?: boolean;
  /**
   * Serve from this node's own applied state: no ReadIndex, no forwarding,
   * also on followers, learners and halted nodes (not linearizable).
   * `readIndex` of the answer is then the node's applied index at the read.
   */
  readonly local?: boolean;
}
export interface GetResponse {
  readonly found: boolean;
  readonly value: Uint8Array;
  /** The ReadIndex the read was served at (for a `local` read: the node's applied index). */
  readonly readIndex: number;
}
export interface PutRequest {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly ttlMs?: number;
  readonly noForward?: boolean;
}
export interface PutResponse {
  readonly appliedIndex: number;
}
export interface DeleteRequest {
  readonly key: Uint8Array;
  readonly noForward?: boolean;
}
export interface DeleteResponse {
  readonly appliedIndex: number;
  readonly existed: boolean;
}
export interface CompareAndSetRequest {
  readonly key: Uint8Array;
  readonly expectAbsent?: boolean;
  readonly expected?: Uint8Array;
  readonly newValue: Uint8Array;
  readonly noForward?: boolean;
}
export interface CompareAndSetResponse {
  readonly succeeded: boolean;
  readonly currentFound: boolean;
  readonly current: Uint8Array;
  readonly appliedIndex: number;
}
/** One forwarded request (follower → leader, on the Forward stream): exactly one of the four requests is set. */
export type ForwardRequest = { readonly id: number; readonly timeoutMs: number } & (
  | { readonly request: 'get'; readonly get: GetRequest }
  | { readonly request: 'put'; readonly put: PutRequest }
  | { readonly request: 'delete'; readonly delete: DeleteRequest }
  | { readonly request: 'compareAndSet'; readonly compareAndSet: CompareAndSetRequest }
);
/** The status a forwarded request failed with, as the unary call would have. */
export interface ForwardError {
  readonly code: number;
  readonly details: string;
  readonly metadata: Readonly<Record<string, string>>;
}
/** The answer to one forwarded request: `response` names the field that is set. */
export type ForwardResponse = { readonly id: number } & (
  | { readonly response: 'get'; readonly get: GetResponse }
  | { readonly response: 'put'; readonly put: PutResponse }
  | { readonly response: 'delete'; readonly delete: DeleteResponse }
  | { readonly response: 'compareAndSet'; readonly compareAndSet: CompareAndSetResponse }
  | { readonly response: 'error'; readonly error: ForwardError }
);

// ---- raft_admin.proto ----

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StatusRequest {}

export interface Member {
  readonly id: string;
  readonly address: string;
  /** "voter" or "learner". */
  readonly suffrage: string;
  readonly matchIndex: number;
}
export interface StatusResponse {
  readonly id: string;
  readonly fullNodeId: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string;
  readonly leaderAddress: string;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly halted: boolean;
  /** Human-readable reason of the halt ('' when not halted); compare halts by `haltCode`. */
  readonly haltReason: string;
  readonly haltIndex: number;
  readonly stage: string;
  readonly bugs: readonly string[];
  readonly flags: Readonly<Record<string, string>>;
  readonly members: readonly Member[];
  readonly version: string;
  readonly uptimeMs: number;
  readonly listenAddress: string;
  /** Encryption-registry code of the halt (`EncryptionErrors`, e.g. 4052), 0 when not halted. */
  readonly haltCode: number;
  /** Encryption-registry name of the halt (e.g. 'ErrFSMWireSubtag'), '' when not halted. */
  readonly haltError: string;
  /** Header format of the node's newest snapshot (written or installed): '' none, 'legacy', 'v1', 'v2'. */
  readonly snapshotFormat: SnapshotFormat;
  /** Synced atomic LevelDB writes since the process started (one fdatasync each). */
  readonly syncedWrites: number;
  /** Unsynced atomic LevelDB writes since the process started (FSM applies). */
  readonly unsyncedWrites: number;
  /** Where the node's time per log entry went since start (raft_admin.proto WriteStageTimes). */
  readonly writeStages: WriteStageTimes;
}

/** Summed stage times of the entries a node appended and saw committed, and of its KV proposals as leader. */
export interface WriteStageTimes {
  readonly entries: number;
  readonly appendMs: number;
  readonly replicationMs: number;
  readonly commitMs: number;
  readonly kvProposals: number;
  readonly kvProposalMs: number;
}

/** `StatusResponse.snapshotFormat`. */
export type SnapshotFormat = '' | 'legacy' | 'v1' | 'v2';
export interface AddServerRequest {
  readonly id: string;
  readonly address: string;
  readonly noForward?: boolean;
}
export interface ServerRequest {
  readonly id: string;
  readonly noForward?: boolean;
}
export interface MembershipResponse {
  readonly appliedIndex: number;
  readonly members: readonly Member[];
}
export interface TransferLeadershipResponse {
  readonly leader: string;
  readonly term: number;
}
export interface DebugProposeRawRequest {
  readonly payload: Uint8Array;
  readonly noForward?: boolean;
}
export interface DebugProposeRawResponse {
  readonly appliedIndex: number;
}

// ---- peer.proto ----

export interface MessageBatch {
  readonly from: string;
  readonly to: string;
  readonly messages: readonly Uint8Array[];
  readonly fromAddress?: string;
}
export interface SnapshotChunk {
  readonly from: string;
  readonly to: string;
  /** Set on the first chunk only: the encoded MsgSnap without its data. */
  readonly message?: Uint8Array;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly last: boolean;
  readonly totalSize: number;
  readonly fromAddress?: string;
}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Ack {}

// ---- encryption_admin.proto (uint64 fields are decimal strings) ----

/** `DekPurpose` by value name; UNSPECIFIED is refused by the node. */
export type DekPurpose = 'DEK_PURPOSE_UNSPECIFIED' | 'DEK_PURPOSE_STORAGE' | 'DEK_PURPOSE_RAFT';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GetCapabilityRequest {}

export interface CapabilityReport {
  /** A sidecar path is configured on the node. */
  readonly encryptionCapable: boolean;
  readonly buildSha: string;
  /** The sidecar file exists and parses. */
  readonly sidecarPresent: boolean;
  /** uint64, decimal; '0' when not encryption-capable. */
  readonly fullNodeId: string;
  readonly localEpoch: number;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GetSidecarStateRequest {}

/**
 * GetSidecarState's answer. Every field but `writerRegistryForCaller` is read
 * in one synchronous step together with `latestAppliedIndex`, so two nodes'
 * answers at the same applied index are comparable field by field.
 */
export interface SidecarStateReport {
  /** DEK id (decimal) → its KEK-wrapped bytes. */
  readonly wrappedDeksById: Readonly<Record<string, Uint8Array>>;
  readonly activeStorageId: number;
  readonly activeRaftId: number;
  readonly storageEnvelopeActive: boolean;
  /** uint64, decimal; '0' before Phase 2. */
  readonly raftEnvelopeCutoverIndex: string;
  /** uint64, decimal: the node's applied index the other fields were read at. */
  readonly latestAppliedIndex: string;
  /** DEK id (decimal) → this node's last_seen_local_epoch; filled on the leader only. */
  readonly writerRegistryForCaller: Readonly<Record<string, number>>;
  /** uint64, decimal; '0' before Phase 1 (or when unknown). */
  readonly storageEnvelopeCutoverIndex: string;
  /** The sidecar file's format version; 0 when the node has no sidecar file yet. */
  readonly sidecarVersion: number;
  /** DEK id (decimal) → this node's local epoch for it in its sidecar. */
  readonly localEpochs: Readonly<Record<string, number>>;
}

export interface ResyncSidecarRequest {
  /** uint64, decimal; must be non-zero. */
  readonly callerFullNodeId: string;
}

export interface ResyncSidecarResponse {
  readonly wrappedDeksById: Readonly<Record<string, Uint8Array>>;
  readonly activeStorageId: number;
  readonly activeRaftId: number;
  /** uint64, decimal. */
  readonly leaderLatestAppliedIndex: string;
  /** DEK id (decimal) → the caller's last_seen_local_epoch; missing rows are omitted. */
  readonly writerRegistryForCaller: Readonly<Record<string, number>>;
}

/** One writer: a full node id (uint64, decimal) and its local epoch (at most 0xFFFF). */
export interface WriterEntry {
  readonly fullNodeId: string;
  readonly localEpoch: number;
}

export interface BootstrapEncryptionRequest {
  /** KEK-wrapped DEKs: non-empty, at most 4096 bytes each. */
  readonly wrappedStorageDek: Uint8Array;
  readonly wrappedRaftDek: Uint8Array;
  /** Non-zero and different from each other. */
  readonly storageDekId: number;
  readonly raftDekId: number;
  /** Every member once; each becomes a storage row and a raft row. */
  readonly writerBatch: readonly WriterEntry[];
}

export interface BootstrapEncryptionResponse {
  /** uint64, decimal. */
  readonly appliedIndex: string;
}

export interface RotateDekRequest {
  readonly purpose: DekPurpose;
  readonly wrappedNewDek: Uint8Array;
  readonly newDekId: number;
  /** uint64, decimal. */
  readonly proposerNodeId: string;
  readonly proposerLocalEpoch: number;
}

export interface RotateDekResponse {
  /** uint64, decimal. */
  readonly appliedIndex: string;
}

export interface RegisterEncryptionWriterRequest {
  readonly dekId: number;
  /** Exactly one writer. */
  readonly writers: readonly WriterEntry[];
}

export interface RegisterEncryptionWriterResponse {
  /** uint64, decimal. */
  readonly appliedIndex: string;
}

/** One member probed by an Enable RPC's capability fan-out. */
export interface CapabilitySummary {
  /** uint64, decimal. */
  readonly fullNodeId: string;
  readonly encryptionCapable: boolean;
  readonly buildSha: string;
  readonly sidecarPresent: boolean;
}

export interface EnableStorageEnvelopeRequest {
  /** uint64, decimal. */
  readonly proposerNodeId: string;
  readonly proposerLocalEpoch: number;
}

export interface EnableStorageEnvelopeResponse {
  /** uint64, decimal: the storage cutover index (the original one on a retry). */
  readonly appliedIndex: string;
  /** Empty on a retry (no fan-out happens then). */
  readonly capabilitySummary: readonly CapabilitySummary[];
  /** The sidecar lacks the cutover index; `appliedIndex` is its raft_applied_index instead. */
  readonly cutoverIndexUnknown: boolean;
  readonly wasAlreadyActive: boolean;
}

export interface EnableRaftEnvelopeRequest {
  /** uint64, decimal. */
  readonly proposerNodeId: string;
  readonly proposerLocalEpoch: number;
}

export interface EnableRaftEnvelopeResponse {
  /** uint64, decimal: the raft cutover index (the original one on a retry). */
  readonly appliedIndex: string;
  readonly capabilitySummary: readonly CapabilitySummary[];
  readonly wasAlreadyActive: boolean;
}
