/**
 * What a client needs from the system under test, independent of the
 * transport: the gRPC adapter talks to reference nodes, the in-process fake
 * SUT implements it directly (benchmarks, runner tests). Values are JSON.
 */
import type { JsonValue } from '../history/op.js';

/** How a failed call is to be recorded. */
export interface CallFailure {
  /** True iff the op surely did not happen (→ `fail`); otherwise `info`. */
  readonly definite: boolean;
  /** Registry or transport error name (recorded as the op's `error`). */
  readonly name: string;
  readonly message: string;
}

/** Outcome of a compare-and-set. */
export interface CasOutcome {
  readonly succeeded: boolean;
  /** Raft index the cas applied at (when the node said). */
  readonly appliedIndex?: number;
}

/** A write's acknowledgement. */
export interface WriteOutcome {
  /** Raft index the write applied at (when the node said). */
  readonly appliedIndex?: number;
}

/** A read of the node's own applied state (no ReadIndex, no forwarding). */
export interface LocalRead {
  readonly value: JsonValue;
  /** The node's applied index at the read. */
  readonly appliedIndex: number;
}

/** One client's connection to one node. Calls reject with anything `classify` understands. */
export interface KvConnection {
  readonly node: string;
  /** Linearizable read; null when the key is absent. */
  read(key: string, timeoutMs: number): Promise<JsonValue>;
  write(key: string, value: JsonValue, timeoutMs: number): Promise<WriteOutcome>;
  /** The value in this node's own applied state, whatever its role (the final convergence reads). */
  readLocal(key: string, timeoutMs: number): Promise<LocalRead>;
  /** Sets `next` iff the current value equals `expected` (null = absent). */
  cas(key: string, expected: JsonValue, next: JsonValue, timeoutMs: number): Promise<CasOutcome>;
  /** Maps a rejection of this connection's calls to fail/info. */
  classify(error: unknown): CallFailure;
  close(): void;
}

/** Status of a node as the nemesis and the readiness wait need it. */
export interface NodeStatusSummary {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  /** Leader id this node knows, or '' */
  readonly leader: string;
  readonly halted: boolean;
  /** Node build version, emulated rollout stage and active bug switches (for test.json). */
  readonly version: string;
  readonly stage: string;
  readonly bugs: readonly string[];
}

/** Transport-specific access to a started cluster's nodes. */
export interface NodeAccess {
  connect(node: string, address: string): KvConnection;
  status(node: string, address: string, timeoutMs: number): Promise<NodeStatusSummary>;
  /** Releases shared resources (admin channels). */
  close(): void;
}
