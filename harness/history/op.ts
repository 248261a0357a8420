/**
 * The history vocabulary (Jepsen's): every client call is an `invoke`
 * followed by exactly one completion — `ok`, `fail` (it surely did not
 * happen) or `info` (it may or may not have happened). Nemesis actions are
 * ops of process `"nemesis"`. The on-disk form is `history.jsonl` as defined
 * by the checker (checkers/history): one op object per line, optionally
 * preceded by a header line.
 */

/** Jepsen op types. */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** A client process number, the nemesis, or the rollout process (the operator's steps). */
export type ProcessId = number | 'nemesis' | 'rollout';

/** JSON values an op may carry (values read/written, cas pairs, fault descriptions). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One line of history.jsonl. */
export interface HistoryOp {
  /** Position in the history, from 0, in the order the harness recorded it. */
  readonly index: number;
  /** Nanoseconds since the test started (monotonic clock), integer. */
  readonly time: number;
  readonly process: ProcessId;
  readonly type: OpType;
  /** Operation name: `read`, `write`, `cas` for clients; fault names for the nemesis. */
  readonly f: string;
  readonly key?: string;
  readonly value?: JsonValue;
  /** Error name (registry name or transport reason) on fail/info completions. */
  readonly error?: string;
  /** Node the client talked to, or the node(s) a fault touched. */
  readonly node?: string;
  /** Raft log index at which an ok write (or rollout step) took effect, when the node said. */
  readonly logIndex?: number;
}

/** An op before the writer stamps it with its index and time. */
export type OpDraft = Omit<HistoryOp, 'index' | 'time'>;

/** Optional first line of history.jsonl. */
export interface HistoryHeader {
  readonly type: 'header';
  readonly format: 'ekv-history';
  readonly version: 1;
  readonly test?: string;
  readonly seed?: number;
  readonly startedAt?: string;
}

/** The header every history written by this harness starts with. */
export function makeHistoryHeader(fields: {
  readonly test: string;
  readonly seed: number;
  readonly startedAt: string;
}): HistoryHeader {
  return { type: 'header', format: 'ekv-history', version: 1, ...fields };
}
