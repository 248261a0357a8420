/**
 * One interface, several backends (ARCHITECTURE.md "cluster/"): the local
 * backend runs nodes as child processes behind harness-owned TCP proxies, the
 * docker backend runs them in containers on a user-defined network. Every
 * nemesis is written once against this interface; optional capabilities are
 * separate interfaces so a fault can declare where it can run (STYLE.md 8, 10).
 */

/** One node of a cluster as the harness starts it. */
export interface NodeSpec {
  /** Stable node id (`n1` …). */
  readonly id: string;
  /** Extra `ekv-node` flags for this node (e.g. `--stage 6B`, `--bug B7`). */
  readonly flags: readonly string[];
  /** Initial voter (true) or a node started with `--join` that waits to be added. */
  readonly initialVoter: boolean;
}

export interface ClusterSpec {
  readonly nodes: readonly NodeSpec[];
  /** The run directory; node logs and data dirs live under `<runDir>/nodes/<id>/`. */
  readonly runDir: string;
  /** Flags given to every node before its own flags (timing knobs, log level); `{id}` becomes the node's id. */
  readonly commonFlags: readonly string[];
  /** How long to wait for each node's `READY` line. */
  readonly startTimeoutMs: number;
}

/** A node as the harness sees it while the cluster runs. */
export interface NodeHandle {
  readonly id: string;
  /** host:port the harness's clients use for KV, RaftAdmin (and EncryptionAdmin) RPCs. */
  readonly clientAddress: string;
  /** host:port the other members dial to reach this node (AddLearner / AddVoter take it). */
  readonly peerAddress: string;
  /** False while the node is killed (or has exited). */
  readonly running: boolean;
  readonly paused: boolean;
}

/**
 * Network grudge: `blocked.get(a)` is the set of nodes whose traffic `a` does
 * not receive. Symmetric partitions list both directions; one-way partitions
 * one.
 */
export type Grudge = ReadonlyMap<string, ReadonlySet<string>>;

export interface StartedCluster extends AsyncDisposable {
  readonly backend: BackendName;
  /** The node image the cluster runs (Docker backend: its tag), for test.json. */
  readonly image?: string;
  nodes(): readonly NodeHandle[];
  node(id: string): NodeHandle;
  /** Stops every node, removes proxies/containers/networks. Idempotent; called on every exit path. */
  stop(): Promise<void>;
  /** Copies node logs and data dirs (or their inspection) under `destDir/<id>/`, even for dead nodes. */
  collectArtifacts(destDir: string): Promise<void>;
}

/** SIGKILL (or a graceful stop) and start again with the same data dir. */
export interface Killable {
  /** SIGKILL; a node that is not running stays down (no-op). */
  kill(id: string): Promise<void>;
  /** SIGTERM and wait for the exit (SIGKILL after a grace period); a node that is not running stays down. */
  stopNode(id: string): Promise<void>;
  /** Starts a stopped node (no-op when it runs); `flags` replaces the node's own flags when given (stage upgrades). */
  start(id: string, flags?: readonly string[]): Promise<void>;
  /** The node's own flags (without the harness's and the common ones), as its next start uses them. */
  flagsOf(id: string): readonly string[];
  /** Replaces the flags the node's next start uses, without starting it. */
  setFlags(id: string, flags: readonly string[]): void;
}

/**
 * Exits the harness arranged without causing them itself: a node started with a test kill point
 * (`--test-kill-point`) SIGKILLs itself there. A backend that records unexpected exits counts such
 * an exit as expected (the local backend; the Docker backend records none).
 */
export interface ExitExpecting {
  /** The running process of `id` is expected to exit by itself: its exit is not a crash. */
  expectExit(id: string): void;
}

/** SIGSTOP / SIGCONT (docker pause / unpause). */
export interface Pausable {
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
}

/** Partitions of any shape, including one-way. */
export interface Partitionable {
  partition(grudge: Grudge): Promise<void>;
  heal(): Promise<void>;
}

/** Added latency / connection resets on peer links (local backend only: no tc netem in this kernel). */
export interface LinkDegradable {
  setLatency(from: string, to: string, delayMs: number): Promise<void>;
  resetConnections(from: string, to: string): Promise<void>;
}

/** Clock skew through libfaketime (`FAKETIME_DONT_FAKE_MONOTONIC=1`). */
export interface ClockSkewable {
  /** Sets the node's wall clock to real time + offsetMs (may be negative). */
  setClockOffset(id: string, offsetMs: number): Promise<void>;
  resetClocks(): Promise<void>;
}

/** `fake` is the in-process stand-in SUT of harness tests and benchmarks (harness/cluster/fake). */
export type BackendName = 'local' | 'docker' | 'fake';

export interface ClusterBackend {
  readonly name: BackendName;
  /** Why the backend cannot run here, or null when it can (e.g. no Docker engine). */
  unavailableReason(): Promise<string | null>;
  /** Why clock faults cannot run here (libfaketime missing), or null. */
  clockUnavailableReason(): Promise<string | null>;
  start(
    spec: ClusterSpec,
  ): Promise<
    StartedCluster &
      Killable &
      Pausable &
      Partitionable &
      Partial<LinkDegradable> &
      Partial<ClockSkewable> &
      Partial<ExitExpecting>
  >;
}

/**
 * A node's copy of pass-through flags: `{id}` becomes its id, so one
 * `--node-flags all=…` can give each node its own path (an encrypted
 * cluster's `--sidecar-path /x/{id}.sidecar`).
 */
export function flagsForNode(flags: readonly string[], id: string): string[] {
  return flags.map((flag) => flag.replaceAll('{id}', id));
}
