/**
 * A running cluster of reference nodes in Docker containers (the started
 * half of the docker backend's typestate). Faults, as ARCHITECTURE.md's
 * recipe prescribes:
 *  - kill: `docker kill -s KILL`, start: `docker start` (same container, same
 *    bind-mounted data dir, same client address: the published host port is
 *    fixed at creation; the address on the cluster network may change);
 *  - pause/resume: `docker pause`/`unpause`;
 *  - partitions: iptables in each container's network namespace, entered from
 *    the host with nsenter (see partition-rules.ts); rebuilt for everyone
 *    whenever a node starts, because its namespace (and address) is new;
 *  - clock skew: libfaketime reading a spec file in the run directory.
 * The run directory is bind-mounted at its own path, so every path (data
 * dir, KEK file, sidecar) means the same inside and outside a container.
 */
import { appendFile, cp, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type Dockerode from 'dockerode';
import type { StartedNetwork } from 'testcontainers';
import { HarnessError } from '../../errors/index.js';
import {
  flagsForNode,
  type ClockSkewable,
  type ClusterSpec,
  type Grudge,
  type Killable,
  type NodeHandle,
  type NodeSpec,
  type Partitionable,
  type Pausable,
  type StartedCluster,
} from '../cluster-backend.js';
import { labelKeys, removeRunSync, runLabels } from './cluster-labels.js';
import {
  inspectRuntime,
  readLogs,
  removeByLabel,
  waitForExit,
  waitForReadySince,
  type ContainerRuntime,
} from './container-control.js';
import { applyContainerEvent, watchContainerEvents, type ContainerEvent } from './container-events.js';
import { faketimeSpec } from './faketime-offset.js';
import { runHostCommand } from './host-command.js';
import type { ResolvedImage } from './node-image.js';
import { freeLoopbackPort, nodeContainerPort, startNodeContainer } from './node-container.js';
import { blockedAddressesOf, chainRules, chainSetupRules, validateGrudge } from './partition-rules.js';

/** A node handle of the docker backend: also says where peers reach the node. */
export interface DockerNodeHandle extends NodeHandle {
  /** host:port other nodes dial (container name on the cluster network); give it to AddLearner/AddVoter. */
  readonly peerAddress: string;
  readonly containerName: string;
}

/** Bounds of the backend's docker operations. */
export const dockerClusterDefaults = Object.freeze({
  killTimeoutMs: 10_000,
  iptablesTimeoutMs: 10_000,
});

interface NodeState {
  readonly spec: NodeSpec;
  readonly containerName: string;
  readonly hostDir: string;
  /** The flags the node's next start uses. */
  flags: readonly string[];
  /** The flags its container was created with (a container's command is fixed at creation). */
  containerFlags: readonly string[];
  containerId: string;
  /** 127.0.0.1 port of the client port, chosen once (0 until the first creation). */
  hostPort: number;
  runtime: ContainerRuntime | null;
}

/** Everything a cluster needs from the backend that starts it. */
export interface DockerClusterContext {
  readonly docker: Dockerode;
  readonly image: ResolvedImage;
  readonly network: StartedNetwork;
  readonly runId: string;
  readonly spec: ClusterSpec;
  readonly log: (line: string) => void;
}

/** A started docker cluster; obtain one from `createDockerBackend().start(spec)`. */
export class DockerCluster implements StartedCluster, Killable, Pausable, Partitionable, ClockSkewable {
  readonly backend = 'docker' as const;

  get image(): string {
    return this.context.image.tag;
  }
  private readonly states = new Map<string, NodeState>();
  private grudge: Grudge = new Map();
  private stopped = false;
  private unwatch: (() => void) | undefined;
  private readonly exitHook = (): void => removeRunSync(this.context.runId, this.context.network.getName());

  private constructor(private readonly context: DockerClusterContext) {
    for (const spec of context.spec.nodes) {
      this.states.set(spec.id, {
        spec,
        containerName: `ekv-${context.runId}-${spec.id}`,
        hostDir: resolve(context.spec.runDir, 'nodes', spec.id),
        flags: spec.flags,
        containerFlags: spec.flags,
        containerId: '',
        hostPort: 0,
        runtime: null,
      });
    }
  }

  /** Starts every node's container and waits for all READY lines; cleans up on failure. */
  static async start(context: DockerClusterContext): Promise<DockerCluster> {
    const cluster = new DockerCluster(context);
    process.once('exit', cluster.exitHook);
    try {
      cluster.unwatch = await watchContainerEvents(context.docker, `${labelKeys.run}=${context.runId}`, (event) =>
        cluster.onEvent(event),
      );
      // allSettled: cleanup must not run while other containers are still being created.
      const results = await Promise.allSettled(
        [...cluster.states.values()].map((state) => cluster.createContainer(state)),
      );
      const failure = results.find((result) => result.status === 'rejected');
      if (failure !== undefined) throw failure.reason;
      await cluster.applyGrudge();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  nodes(): readonly NodeHandle[] {
    return [...this.states.values()].map((state) => this.handleOf(state));
  }

  node(id: string): DockerNodeHandle {
    return this.handleOf(this.state(id));
  }

  /** SIGKILL (also of a paused node). A node that is not running is left alone, as in the local backend. */
  async kill(id: string): Promise<void> {
    const state = this.state(id);
    const container = this.container(state);
    if (!(await this.refresh(state)).running) return;
    await container.kill({ signal: 'SIGKILL' });
    await waitForExit(container, id, dockerClusterDefaults.killTimeoutMs);
    await this.refresh(state);
    this.context.log(`docker: killed ${id}`);
  }

  /** SIGTERM (docker stop, SIGKILL after the grace period); no-op when the node is not running. */
  async stopNode(id: string): Promise<void> {
    const state = this.state(id);
    const container = this.container(state);
    const runtime = await this.refresh(state);
    if (!runtime.running) return;
    if (runtime.paused) await container.unpause();
    await container.stop({ t: Math.ceil(dockerClusterDefaults.killTimeoutMs / 2000) });
    await waitForExit(container, id, dockerClusterDefaults.killTimeoutMs);
    await this.refresh(state);
    this.context.log(`docker: stopped ${id}`);
  }

  flagsOf(id: string): readonly string[] {
    return this.state(id).flags;
  }

  setFlags(id: string, flags: readonly string[]): void {
    this.state(id).flags = [...flags];
  }

  /** Starts a stopped node (no-op when it runs); new `flags` re-create its container on the same data. */
  async start(id: string, flags?: readonly string[]): Promise<void> {
    const state = this.state(id);
    const wanted = flags ?? state.flags;
    const changesFlags = wanted.join('\0') !== state.containerFlags.join('\0');
    if ((await this.refresh(state)).running) {
      if (flags !== undefined && flags.join('\0') !== state.flags.join('\0'))
        throw new HarnessError(
          'INVALID_OPTION',
          `node ${id} is running: kill it before restarting it with other flags`,
        );
      return;
    }
    state.flags = wanted;
    if (changesFlags) {
      // A container's command is fixed at creation: re-create it on the same data dir.
      state.containerFlags = wanted;
      const earlier = await readLogs(this.container(state));
      await appendFile(join(state.hostDir, 'node.earlier-runs.log'), earlier.stderr);
      await this.container(state).remove({ force: true });
      await this.createContainer(state);
    } else {
      const container = this.container(state);
      await container.start();
      const runtime = await inspectRuntime(container, this.context.network.getName());
      await waitForReadySince(container, id, runtime.startedAtNs, this.context.spec.startTimeoutMs);
      state.runtime = runtime;
      await this.setupChain(state);
    }
    // The node's namespace and maybe its address are new: rebuild every node's rules.
    await this.applyGrudge();
    this.context.log(`docker: started ${id}`);
  }

  /** `docker pause` (freezes every process of the node); no-op when it is stopped or already paused. */
  async pause(id: string): Promise<void> {
    const state = this.state(id);
    const runtime = await this.refresh(state);
    if (!runtime.running || runtime.paused) return;
    await this.container(state).pause();
    await this.refresh(state);
  }

  /** `docker unpause`; no-op when the node is not paused. */
  async resume(id: string): Promise<void> {
    const state = this.state(id);
    if (!(await this.refresh(state)).paused) return;
    await this.container(state).unpause();
    await this.refresh(state);
  }

  async partition(grudge: Grudge): Promise<void> {
    validateGrudge(grudge, [...this.states.keys()]);
    this.grudge = new Map([...grudge].map(([node, blocked]) => [node, new Set(blocked)]));
    await this.applyGrudge();
  }

  async heal(): Promise<void> {
    this.grudge = new Map();
    await this.applyGrudge();
  }

  async setClockOffset(id: string, offsetMs: number): Promise<void> {
    const state = this.state(id);
    if (this.context.image.faketimeLibrary === null) {
      throw new HarnessError(
        'CLOCK_UNAVAILABLE',
        `image ${this.context.image.tag} has no libfaketime (EKV_FAKETIME_LIB); clock faults need the offline base image`,
      );
    }
    await this.writeClockFile(state, faketimeSpec(offsetMs));
  }

  async resetClocks(): Promise<void> {
    if (this.context.image.faketimeLibrary === null) return;
    for (const state of this.states.values()) await this.writeClockFile(state, faketimeSpec(0));
  }

  async collectArtifacts(destDir: string): Promise<void> {
    for (const state of this.states.values()) {
      const nodeDir = resolve(destDir, state.spec.id);
      // The host directory holds the data dir, the clock file and logs of re-created containers.
      if (nodeDir !== state.hostDir) await cp(state.hostDir, nodeDir, { recursive: true, force: true });
      await this.saveLogs(state, nodeDir);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.exitHook);
    this.unwatch?.();
    // The containers (and their logs) go away: keep the logs in the run directory first.
    for (const state of this.states.values()) await this.saveLogs(state, state.hostDir).catch(() => undefined);
    const problems = await removeByLabel(this.context.docker, labelKeys.run, this.context.runId);
    if (problems.length > 0) this.context.log(`docker: cleanup problems: ${problems.join('; ')}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Writes the node's stderr (its log) as node.log — the local backend's name — plus stdout.log and container.json. */
  private async saveLogs(state: NodeState, nodeDir: string): Promise<void> {
    if (state.containerId === '') return;
    await mkdir(nodeDir, { recursive: true });
    const container = this.container(state);
    const logs = await readLogs(container).catch(() => null);
    if (logs !== null) {
      await writeFile(join(nodeDir, 'node.log'), logs.stderr);
      await writeFile(join(nodeDir, 'stdout.log'), logs.stdout);
    }
    const inspect: unknown = await container.inspect().catch((error: Error) => ({ error: error.message }));
    await writeFile(join(nodeDir, 'container.json'), `${JSON.stringify(inspect, null, 2)}\n`);
  }

  private state(id: string): NodeState {
    const state = this.states.get(id);
    if (state === undefined)
      throw new HarnessError(
        'UNKNOWN_NODE',
        `no node '${id}' in this cluster (nodes: ${[...this.states.keys()].join(', ')})`,
      );
    return state;
  }

  private onEvent(event: ContainerEvent): void {
    for (const state of this.states.values()) {
      if (state.containerId === event.id && state.runtime !== null)
        state.runtime = applyContainerEvent(state.runtime, event);
    }
  }

  /** Re-reads the container's state (a node may also exit by itself, e.g. on an apply halt). */
  private async refresh(state: NodeState): Promise<ContainerRuntime> {
    state.runtime = await inspectRuntime(this.container(state), this.context.network.getName());
    return state.runtime;
  }

  private container(state: NodeState): Dockerode.Container {
    return this.context.docker.getContainer(state.containerId);
  }

  private handleOf(state: NodeState): DockerNodeHandle {
    const runtime = state.runtime;
    return Object.freeze({
      id: state.spec.id,
      // Fixed at creation, so the same while the node is down (like the local backend's port).
      clientAddress: `127.0.0.1:${state.hostPort}`,
      running: runtime?.running === true,
      paused: runtime?.paused === true,
      peerAddress: `${state.containerName}:${nodeContainerPort}`,
      containerName: state.containerName,
    });
  }

  private command(state: NodeState): string[] {
    const voters = this.context.spec.nodes.filter((node) => node.initialVoter);
    const peers = voters
      .map((node) => `${node.id}=${this.state(node.id).containerName}:${nodeContainerPort}`)
      .join(',');
    return [
      '--id',
      state.spec.id,
      '--listen',
      `0.0.0.0:${nodeContainerPort}`,
      '--advertise',
      `${state.containerName}:${nodeContainerPort}`,
      '--data-dir',
      join(state.hostDir, 'data'),
      ...(state.spec.initialVoter ? ['--peers', peers] : ['--join']),
      ...flagsForNode(this.context.spec.commonFlags, state.spec.id),
      ...flagsForNode(state.flags, state.spec.id),
    ];
  }

  private async createContainer(state: NodeState): Promise<void> {
    const clockFile = this.context.image.faketimeLibrary === null ? null : join(state.hostDir, 'clock', 'faketime.rc');
    await mkdir(join(state.hostDir, 'data'), { recursive: true });
    if (clockFile !== null) {
      await mkdir(dirname(clockFile), { recursive: true });
      await this.writeClockFile(state, faketimeSpec(0));
    }
    if (state.hostPort === 0) state.hostPort = await freeLoopbackPort();
    state.containerId = await startNodeContainer({
      hostPort: state.hostPort,
      image: this.context.image.tag,
      network: this.context.network,
      containerName: state.containerName,
      command: this.command(state),
      labels: { ...runLabels(this.context.runId), [labelKeys.node]: state.spec.id },
      runDir: resolve(this.context.spec.runDir),
      clockFile,
      faketimeLibrary: this.context.image.faketimeLibrary,
      startTimeoutMs: this.context.spec.startTimeoutMs,
    });
    state.runtime = await inspectRuntime(this.container(state), this.context.network.getName());
    await this.setupChain(state);
  }

  /** Written beside and renamed over, so libfaketime never reads a half-written spec. */
  private async writeClockFile(state: NodeState, spec: string): Promise<void> {
    const file = join(state.hostDir, 'clock', 'faketime.rc');
    await writeFile(`${file}.tmp`, spec);
    await rename(`${file}.tmp`, file);
  }

  private async iptablesRestore(state: NodeState, rules: string): Promise<void> {
    const pid = state.runtime?.pid;
    if (pid == null) return;
    await runHostCommand('nsenter', ['-t', String(pid), '-n', 'iptables-restore', '--noflush', '-w', '5'], {
      input: rules,
      timeoutMs: dockerClusterDefaults.iptablesTimeoutMs,
    });
  }

  private async setupChain(state: NodeState): Promise<void> {
    await this.iptablesRestore(state, chainSetupRules());
  }

  private async applyGrudge(): Promise<void> {
    const addresses = new Map<string, string>();
    for (const [id, state] of this.states) {
      if (state.runtime?.networkAddress != null) addresses.set(id, state.runtime.networkAddress);
    }
    await Promise.all(
      [...this.states.values()]
        .filter((state) => state.runtime?.running === true)
        .map((state) =>
          this.iptablesRestore(state, chainRules(blockedAddressesOf(state.spec.id, this.grudge, addresses))),
        ),
    );
  }
}
