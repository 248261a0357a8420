/**
 * A scenario is a named, seeded test: a workload, a rollout program for the
 * operator's steps, the cluster it needs (node stages, encryption, joiners,
 * node flags), the faults it runs under, and what it expects (halts the spec
 * requires, the recovery window). `ekv-jepsen scenarios` lists them;
 * `ekv-jepsen test --scenario NAME` runs one (options given on the command
 * line override its defaults). Scenarios live in workloads/ (harness/ gets
 * the registry from the launcher, like the workloads).
 */
import type { RolloutExpectations } from '../../checkers/artifacts/index.js';
import type { Random } from '../generator/random.js';
import type { RolloutProgram } from '../rollout/rollout-program.js';

/** What a scenario sets unless the command line says otherwise. */
export interface ScenarioDefaults {
  readonly nodes: readonly string[];
  /** Nodes started with --join (the program adds them). */
  readonly joiners: readonly string[];
  /** Per-node stage at the start (default 6F). */
  readonly stages: Readonly<Record<string, string>>;
  /** Nodes that get the run's KEK and a sidecar (at stages that have the flags). */
  readonly encryptionNodes: readonly string[];
  /** Flags for every node (timing knobs, snapshot frequency). */
  readonly commonNodeFlags: readonly string[];
  /** `--nemesis` text: fault groups or names, or "none". */
  readonly nemesis: string;
  readonly timeLimitMs: number;
  readonly opsPerSecond: number;
  readonly concurrency: number;
  readonly keys: number;
  readonly canaryShare: number;
}

/** What a program or expectation is built from. */
export interface ScenarioContext {
  readonly nodes: readonly string[];
  readonly joiners: readonly string[];
  readonly timeLimitMs: number;
  readonly random: Random;
}

export interface Scenario {
  readonly name: string;
  /** One line: what it does. */
  readonly summary: string;
  /** One line: which faults, and which aimed at steps. */
  readonly faults: string;
  /** The invariants and catalogued bugs it targets (bug-catalogue.md ids). */
  readonly targets: readonly string[];
  /** The workload its clients run. */
  readonly workload: string;
  readonly defaults: ScenarioDefaults;
  program(context: ScenarioContext): RolloutProgram;
  expectations(context: ScenarioContext): RolloutExpectations;
}

/** Scenarios by name, as the CLI offers them. */
export type ScenarioRegistry = ReadonlyMap<string, Scenario>;
