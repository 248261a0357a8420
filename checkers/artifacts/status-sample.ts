// status.jsonl: what the harness's status sampler saw of every node during a
// run. One JSON object per line, one line per node per sampling round (about
// every 250 ms), in time order. The harness writes it (harness/status/); the
// rollout checkers read it. It is a documented format of the run directory:
// any tool may write it.
//
// Indexes are plain numbers (Raft indexes stay far below 2^53). Times share
// the clock of history.jsonl (`time`: nanoseconds since the test started), so
// a sample can be placed between ops.

/** What the harness knows of a node's process when it samples it. */
export type ProcessState = 'running' | 'paused' | 'down';

/** The node's RaftAdmin Status, as sampled (the fields the checkers and the report use). */
export interface NodeStatusView {
  readonly role: string;
  readonly term: number;
  /** Leader id this node knows, '' for none. */
  readonly leader: string;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly halted: boolean;
  /** Error-registry code of the halt (0 when not halted). */
  readonly haltCode: number;
  /** Error-registry name of the halt, e.g. "ErrFSMWireSubtag" ('' when not halted). */
  readonly haltError: string;
  /** The index of the entry the node halted on (0 when not halted); its applied index stays below it. */
  readonly haltIndex: number;
  /** The halt's human-readable reason ('' when not halted). */
  readonly haltReason: string;
  /** Emulated rollout stage, "6A".."6F". */
  readonly stage: string;
  /** Active catalogued-bug switches. */
  readonly bugs: readonly string[];
  /** Header format of the node's newest snapshot: '' none, 'legacy', 'v1', 'v2'. */
  readonly snapshotFormat: string;
  readonly uptimeMs: number;
}

/**
 * The node's sidecar as GetSidecarState reports it. Every field is read in
 * one step together with `appliedIndex`, so two nodes' views at the same
 * applied index must agree (invariant I3).
 */
export interface SidecarView {
  /** The node's applied index at the moment the sidecar fields were read. */
  readonly appliedIndex: number;
  /** Every DEK id in the sidecar, ascending. */
  readonly keyIds: readonly number[];
  readonly activeStorageId: number;
  readonly activeRaftId: number;
  readonly storageEnvelopeActive: boolean;
  readonly storageEnvelopeCutoverIndex: number;
  readonly raftEnvelopeCutoverIndex: number;
  /** The sidecar file's format version (0 when the node has no sidecar file yet). */
  readonly sidecarVersion: number;
  /** DEK id (decimal string) → this node's local epoch for that DEK. */
  readonly localEpochs: Readonly<Record<string, number>>;
}

/** One line of status.jsonl. */
export interface StatusSample {
  /** Nanoseconds since the test started (the clock of history.jsonl). */
  readonly time: number;
  readonly node: string;
  readonly process: ProcessState;
  /** The Status answer, or null when the RPC failed or the node is down/paused. */
  readonly status: NodeStatusView | null;
  /** The GetSidecarState answer; null when it failed, or the node is not encryption-capable. */
  readonly sidecar: SidecarView | null;
  /** Why `status` or `sidecar` is null (unreachable, UNIMPLEMENTED at its stage, …). */
  readonly error?: string;
}
