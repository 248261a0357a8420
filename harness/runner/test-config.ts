/**
 * The fully resolved configuration of one test run. Every bound has its unit
 * in its name, defaults live here (one place), and the resolved object is
 * frozen and written to the run's test.json.
 */
import type { BackendName } from '../cluster/cluster-backend.js';
import type { FaultName, FaultTuning } from '../nemesis/index.js';
import { faultTuningDefaults } from '../nemesis/index.js';

export interface TestConfig {
  /** Test name: the run lands in `<storeDir>/<name>/<timestamp>/`. */
  readonly name: string;
  readonly backend: BackendName;
  /** Node ids (n1 …). */
  readonly nodes: readonly string[];
  readonly workload: string;
  /** The scenario the run was made from (null: a plain workload run). */
  readonly scenario: string | null;
  readonly faults: readonly FaultName[];
  readonly nemesisIntervalMs: number;
  readonly timeLimitMs: number;
  readonly opsPerSecond: number;
  readonly concurrency: number;
  readonly keys: number;
  readonly seed: number;
  readonly testCount: number;
  readonly leaveRunning: boolean;
  readonly storeDir: string;
  /** Flags given to every node. */
  readonly commonNodeFlags: readonly string[];
  /** Extra flags per node id. */
  readonly nodeFlags: Readonly<Record<string, readonly string[]>>;
  /** Nodes that get the run's KEK and a sidecar (at stages that have the flags): an encrypted cluster. */
  readonly encryptionNodes: readonly string[];
  /** Nodes started with --join (not initial voters): the rollout adds them. */
  readonly joiners: readonly string[];
  /** Share of main-phase client ops that are canary writes. */
  readonly canaryShare: number;
  /** How long the final phase waits for a rollout still running after the heal. */
  readonly rolloutDrainMs: number;
  readonly statusPeriodMs: number;
  readonly recoveryMs: number;
  readonly opTimeoutMs: number;
  readonly nodeStartTimeoutMs: number;
  readonly clusterReadyWaitMaxMs: number;
  readonly statusRpcTimeoutMs: number;
  readonly historyFsyncIntervalMs: number;
  readonly checkerBudgetMs: number;
  readonly planEventsMax: number;
  readonly faultTuning: FaultTuning;
}

/** Defaults of every option (the CLI's defaults come from here). */
export const testDefaults = Object.freeze({
  name: 'register',
  backend: 'local',
  nodeCount: 3,
  workload: 'register',
  scenario: null,
  nemesisText: 'partition,kill,pause,clock',
  encryptionNodes: [] as readonly string[],
  joiners: [] as readonly string[],
  canaryShare: 0,
  rolloutDrainMs: 30_000,
  statusPeriodMs: 250,
  nemesisIntervalMs: 5_000,
  timeLimitMs: 60_000,
  opsPerSecond: 100,
  concurrency: 10,
  keys: 8,
  testCount: 1,
  leaveRunning: false,
  storeDir: 'store',
  recoveryMs: 5_000,
  opTimeoutMs: 2_000,
  nodeStartTimeoutMs: 20_000,
  clusterReadyWaitMaxMs: 20_000,
  statusRpcTimeoutMs: 500,
  historyFsyncIntervalMs: 1_000,
  checkerBudgetMs: 60_000,
  planEventsMax: 5_000_000,
  faultTuning: faultTuningDefaults,
});
