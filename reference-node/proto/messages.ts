/**
 * TypeScript shapes of every message in kv.proto, raft_admin.proto and
 * peer.proto, as @grpc/proto-loader hands them over with the options chosen in
 * `proto-loader.ts`:
 * - field names are camelCase (`keepCase: false`): `no_forward` → `noForward`;
 * - 64-bit integers are JavaScript numbers (`longs: Number`): log indexes,
 *   terms and byte counts stay far below 2^53, and `full_node_id` is a decimal
 *   string in the proto itself;
 * - `bytes` fields arrive as Buffer (any Uint8Array may be sent);
 * - every field is present on receipt (`defaults: true`); optional fields below
 *   are the ones a sender may leave out.
 */

// ---- kv.proto ----

export interface GetRequest {
  readonly key: Uint8Array;
  readonly noForward?: boolean;
  /** Serve from this node's own applied state (no ReadIndex, no forwarding); read_index is then the applied index. */
  readonly local?: boolean;
}
export interface GetResponse {
  readonly found: boolean;
  readonly value: Uint8Array;
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
  readonly haltReason: string;
  readonly haltIndex: number;
  readonly stage: string;
  readonly bugs: readonly string[];
  readonly flags: Readonly<Record<string, string>>;
  readonly members: readonly Member[];
  readonly version: string;
  readonly uptimeMs: number;
  readonly listenAddress: string;
}
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
