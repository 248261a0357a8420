/**
 * A workload is a plain typed object (STYLE.md 8), Jepsen's
 * `{:client :generator :checker}`: the client ops it issues and how a client
 * executes them, what runs during the main phase, what its final phase does,
 * and which checkers judge its runs. Workloads live in workloads/ and are
 * built from harness pieces; `ekv-jepsen check <run-dir>` finds a run's
 * workload by the name in its test.json and re-derives the checkers from it.
 */
import type { Completion } from '../client/client-op.js';
import type { KvConnection } from '../client/kv-connection.js';
import type { Checker } from '../checking/checker.js';
import type { EventGenerator } from '../generator/event-generator.js';
import type { JsonValue } from '../history/op.js';

/** One client operation as planned (the history's invoke carries the same f/key/value). */
export interface ClientOp {
  readonly f: string;
  readonly key?: string;
  readonly value: JsonValue;
  /** Run it on a client of this node (e.g. a read of every key on every node); any client otherwise. */
  readonly node?: string;
  /**
   * Jepsen's `until-ok`: after a fail or info, the client invokes it again (a new op in the
   * history, as a fresh process after an info) after `backoffMs`, at most `attempts` times in all.
   * For liveness probes of the final phase (a write right after the heal meets an election).
   */
  readonly untilOk?: { readonly attempts: number; readonly backoffMs: number };
}

/** A condition the plan waits for with every client idle (bounded), e.g. before the final local reads. */
export type ClusterCondition = { readonly kind: 'converged' };

/** What a final phase consists of: client ops, and waits for the cluster to settle between them. */
export type FinalEvent =
  | { readonly kind: 'op'; readonly op: ClientOp }
  | { readonly kind: 'await'; readonly condition: ClusterCondition; readonly boundMs: number };

/** What the plan's main phase did, for the final phase (e.g. read back every key it wrote). */
export interface MainPhaseSummary {
  /** Every key a main-phase op names, in order of first use. */
  readonly keys: readonly string[];
}

/** Parameters a workload is built with (resolved CLI options). */
export interface WorkloadOptions {
  /** Number of independent register keys. */
  readonly keys: number;
  /** Node ids of the cluster (final phases read from each). */
  readonly nodes: readonly string[];
  /** Share of main-phase ops that are canary writes (0 = none). */
  readonly canaryShare: number;
}

/** Executes a workload's client ops on a connection (never rejects for SUT failures). */
export interface WorkloadClient {
  /** The op names this client executes; the plan refuses others. */
  readonly fs: readonly string[];
  invoke(connection: KvConnection, op: ClientOp, timeoutMs: number): Promise<Completion>;
}

export interface Workload {
  readonly name: string;
  readonly description: string;
  readonly client: WorkloadClient;
  /** Infinite stream of main-phase ops; the harness adds rate and time limit. */
  generator(options: WorkloadOptions): EventGenerator<ClientOp>;
  /** The final phase, after the heal and the recovery wait (finite); `main` says what the main phase did. */
  final(options: WorkloadOptions, main: MainPhaseSummary): EventGenerator<FinalEvent>;
  /** The checkers of a run of this workload, in the order results list them. */
  checkers(options: WorkloadOptions): readonly Checker[];
}

/** Workloads by name, as the CLI offers them. */
export type WorkloadRegistry = ReadonlyMap<string, Workload>;
