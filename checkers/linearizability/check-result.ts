// The result of a check: a discriminated union on `valid`, knossos-shaped
// (op, previous-ok, final paths) for invalid histories, with the longest
// linearizable prefix for unknown ones. All data is plain and readonly so it
// serializes to JSON as is (see check-result-edn.ts for knossos's EDN).
import type { HistoryValue } from '../history/history-op.js';
import type { StopReason } from './search.js';

/** The verdict: knossos's `:valid?`. */
export type Verdict = true | false | 'unknown';

/** How a history's concurrency and failures are read. */
export type Semantics = 'knossos' | 'porcupine';

/** An operation named in a result, as knossos prints it (the completion of an ok op). */
export interface OpRef {
  /** Index of the named event in the history (the completion for ok ops, the invocation otherwise). */
  readonly index: number;
  /** Index of the invocation. */
  readonly invokeIndex: number;
  readonly process: number | string;
  readonly type: 'ok' | 'fail' | 'info';
  readonly f: string;
  readonly key?: string;
  readonly value: HistoryValue;
  /** The model's rendering of the operation ("read 3", "cas 1→2"). */
  readonly description: string;
}

/** One step of a final path: an operation and the model state after it. */
export interface FinalPathStep {
  readonly op: OpRef;
  readonly model: string;
}

/** A linearization that ends in an impossible step (knossos's :final-paths). */
export interface FinalPath {
  readonly steps: readonly FinalPathStep[];
  readonly failure: { readonly op: OpRef; readonly message: string };
}

/** What happened to one partition (one key, or the whole history). */
export interface PartitionReport {
  /** The partition key, or null when the model does not partition. */
  readonly key: string | null;
  readonly ops: number;
  readonly valid: Verdict | 'not-checked';
  readonly elapsedMs: number;
  /** Memoized configurations the search stored. */
  readonly cacheEntries: number;
}

/** Fields every result has. */
export interface CheckSummary {
  readonly model: string;
  readonly semantics: Semantics;
  /** Operations checked (after dropping failed ones and unknown reads). */
  readonly ops: number;
  readonly partitions: readonly PartitionReport[];
  /** Time of the whole check after parsing: pairing, partitioning, search and explanation. */
  readonly elapsedMs: number;
}

/** The history is linearizable. */
export interface ValidResult extends CheckSummary {
  readonly valid: true;
}

/** The history is not linearizable; names the first operation that cannot be placed. */
export interface InvalidResult extends CheckSummary {
  readonly valid: false;
  /** The failing partition's key (null when unpartitioned). */
  readonly partition: string | null;
  /** The first completed operation that cannot be linearized. */
  readonly op: OpRef;
  /** The completed operation just before it (knossos's :previous-ok). */
  readonly previousOk: OpRef | null;
  readonly finalPaths: readonly FinalPath[];
}

/** The search stopped before deciding. */
export interface UnknownResult extends CheckSummary {
  readonly valid: 'unknown';
  readonly reason: StopReason;
  readonly partition: string | null;
  /** The longest prefix shown linearizable: every ok op completed before `frontier`. */
  readonly longestPrefix: { readonly okOps: number; readonly lastOk: OpRef | null; readonly frontier: OpRef | null };
}

/** The result of `check`. */
export type CheckResult = ValidResult | InvalidResult | UnknownResult;
