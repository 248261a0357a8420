// The operation vocabulary shared by every history format (Jepsen's): a client
// process invokes an operation, and later the same process completes it with
// ok (it happened), fail (it surely did not happen) or info (unknown outcome).

/**
 * A value carried by an operation, in JSON form. EDN values are mapped onto it:
 * nil → null, keywords and symbols → their name without the colon, vectors,
 * lists and sets → arrays, maps → objects (keys rendered as strings).
 */
export type HistoryValue =
  null | boolean | number | string | readonly HistoryValue[] | { readonly [key: string]: HistoryValue };

/** The kind of an event in a history. */
export type HistoryOpType = 'invoke' | 'ok' | 'fail' | 'info';

/** The process of fault-injection events (never a client). */
export const nemesisProcess = 'nemesis';

/** The process of the operator's rollout steps (bootstrap, cutovers, rotations, restarts; never a client). */
export const rolloutProcess = 'rollout';

/** The processes that are not clients: their ops never enter a linearizability check. */
export const nonClientProcesses: readonly string[] = [nemesisProcess, rolloutProcess];

/** True for a client process (an integer); false for `nemesis`, `rollout`. */
export function isClientProcess(process: HistoryOp['process']): process is number {
  return typeof process === 'number';
}

/** One event of a history, as read from any format. */
export interface HistoryOp {
  /** Position of the event in its history, from 0 (knossos's `:index`). */
  readonly index: number;
  /** Client process (an integer), or a non-client process: "nemesis" or "rollout". */
  readonly process: number | typeof nemesisProcess | typeof rolloutProcess;
  readonly type: HistoryOpType;
  /** Operation name: read, write, cas, get, put, append, txn, acquire, … */
  readonly f: string;
  /** The key the operation addresses, when the store has several. */
  readonly key?: string;
  readonly value: HistoryValue;
  /** Nanoseconds since the test started, when the format records it. */
  readonly time?: number;
  readonly error?: HistoryValue;
  /** The node the client talked to, when recorded. */
  readonly node?: string;
  /** The Raft log index at which the op took effect, when the node said (ok completions of writes). */
  readonly logIndex?: number;
  /** 1-based line of the op in its file, when read from one (for error messages). */
  readonly line?: number;
}

/** A history read from a file, with what was tolerated on the way. */
export interface ParsedHistory {
  readonly ops: readonly HistoryOp[];
  /** Tolerated defects (a torn last line, for instance), one sentence each. */
  readonly warnings: readonly string[];
}
