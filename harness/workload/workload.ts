/**
 * A workload is a plain typed object (STYLE.md 8): what the clients do during
 * the main phase, what they read at the end, and how the history of its ops
 * is checked. Workloads live in workloads/ and are built from harness pieces.
 */
import type { EventGenerator } from '../generator/event-generator.js';
import type { JsonValue } from '../history/op.js';

/** One client operation as planned (the history's invoke carries the same f/key/value). */
export interface ClientOp {
  readonly f: string;
  readonly key?: string;
  readonly value: JsonValue;
}

/** Parameters a workload is built with (resolved CLI options). */
export interface WorkloadOptions {
  /** Number of independent keys. */
  readonly keys: number;
}

/** The model the linearizability checker uses for each key of the workload. */
export type WorkloadModel = 'cas-register';

export interface Workload {
  readonly name: string;
  readonly description: string;
  /** Infinite stream of main-phase ops; the harness adds rate and time limit. */
  ops(options: WorkloadOptions): EventGenerator<ClientOp>;
  /** Ops of the final phase, after the heal and the recovery wait (finite). */
  finalOps(options: WorkloadOptions): EventGenerator<ClientOp>;
  /** Per-key model for the linearizability checker; the initial value of every key is absent (null). */
  readonly model: WorkloadModel;
}

/** Workloads by name, as the CLI offers them. */
export type WorkloadRegistry = ReadonlyMap<string, Workload>;
