/**
 * The local backend's started cluster: node processes on 127.0.0.1 with
 * their data dirs and logs under the run directory, and one LinkProxy per
 * ordered node pair carrying that direction's peer traffic. Every child,
 * proxy and the watchdog is released by `stop()`, which runs on every exit
 * path (and a synchronous process-exit hook kills the children as a last
 * resort).
 */
import { cp, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HarnessError } from '../../errors/index.js';
import { flagsForNode, type ClusterSpec, type Grudge, type NodeHandle, type NodeSpec } from '../cluster-backend.js';
import { faketimeEnvironment, writeFaketimeOffset } from './faketime.js';
import { allocateFreePorts } from './free-ports.js';
import { LinkProxy } from './link-proxy.js';
import { NodeProcess } from './node-process.js';
import type { NodeExit } from './node-process.js';
import { OrphanReaper } from './orphan-reaper.js';

/** Options of the local backend that are not part of the backend-neutral spec. */
export interface LocalClusterOptions {
  /** Program + leading args that run `ekv-node` (default: this node binary + bin/ekv-node.js). */
  readonly nodeCommand: readonly string[];
  /** libfaketime path, or null to run nodes without it (clock faults then refuse). */
  readonly faketimeLibraryPath: string | null;
}

interface NodeSlot {
  readonly spec: NodeSpec;
  flags: readonly string[];
  readonly port: number;
  readonly dir: string;
  readonly timestampFile: string;
  process: NodeProcess | null;
}

/** An unexpected node exit (a crash or a halt), for the run's results. */
export interface UnexpectedExit {
  readonly node: string;
  readonly code: number | null;
  readonly signal: string | null;
}

export class LocalCluster {
  readonly backend = 'local' as const;
  private readonly slots = new Map<string, NodeSlot>();
  private readonly proxies = new Map<string, LinkProxy>();
  private readonly unexpected: UnexpectedExit[] = [];
  private readonly reaper: OrphanReaper;
  private readonly exitHook = (): void => this.killAllNow();
  private stopped = false;

  private constructor(
    private readonly spec: ClusterSpec,
    private readonly options: LocalClusterOptions,
  ) {
    this.reaper = new OrphanReaper(join(spec.runDir, 'nodes', 'pids'));
    process.once('exit', this.exitHook);
  }

  /** Allocates ports, starts the proxies and every node; on failure releases everything. */
  static async start(spec: ClusterSpec, options: LocalClusterOptions): Promise<LocalCluster> {
    if (spec.nodes.length === 0) throw new HarnessError('INVALID_OPTION', 'a cluster needs at least one node');
    await mkdir(join(spec.runDir, 'nodes'), { recursive: true });
    const cluster = new LocalCluster(spec, options);
    try {
      await cluster.setUp();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  private async setUp(): Promise<void> {
    const ids = this.spec.nodes.map((n) => n.id);
    // The proxies bind first (port 0), so the nodes' ports, chosen while they are bound, can never be
    // one of theirs (a proxy that took a node's released port made that node fail with "address in use").
    for (const from of ids) {
      for (const to of ids) {
        if (from === to) continue;
        this.proxies.set(
          linkKey(from, to),
          await LinkProxy.start({ from, to, targetHost: '127.0.0.1', targetPort: () => this.slot(to).port }),
        );
      }
    }
    const ports = await allocateFreePorts(ids.length);
    for (const [i, spec] of this.spec.nodes.entries()) {
      const dir = resolve(this.spec.runDir, 'nodes', spec.id);
      await mkdir(dir, { recursive: true });
      const timestampFile = join(dir, 'faketime');
      await writeFaketimeOffset(timestampFile, 0);
      this.slots.set(spec.id, { spec, flags: spec.flags, port: ports[i] as number, dir, timestampFile, process: null });
    }
    // Every start settles before a failure is reported, so stop() sees every node that came up.
    const started = await Promise.allSettled(ids.map((id) => this.startNode(id)));
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  nodes(): readonly NodeHandle[] {
    return [...this.slots.keys()].map((id) => this.node(id));
  }

  node(id: string): NodeHandle {
    const slot = this.slot(id);
    const clientAddress = `127.0.0.1:${slot.port}`;
    // Peers reach every node through their own proxy (--peer-route), so the advertised address is the node's own.
    return {
      id,
      clientAddress,
      peerAddress: clientAddress,
      running: slot.process?.running ?? false,
      paused: slot.process?.paused ?? false,
    };
  }

  /** Node exits the harness did not cause, so far. */
  unexpectedExits(): readonly UnexpectedExit[] {
    return [...this.unexpected];
  }

  private slot(id: string): NodeSlot {
    const slot = this.slots.get(id);
    if (slot === undefined)
      throw new HarnessError('UNKNOWN_NODE', `unknown node "${id}" (cluster has ${[...this.slots.keys()].join(', ')})`);
    return slot;
  }

  private nodeArgs(slot: NodeSlot): string[] {
    const voters = this.spec.nodes.filter((n) => n.initialVoter);
    const peers = voters.map((n) => `${n.id}=127.0.0.1:${this.slot(n.id).port}`).join(',');
    const routes = [...this.slots.values()]
      .filter((other) => other.spec.id !== slot.spec.id)
      .map((other) => `${other.spec.id}=127.0.0.1:${this.proxies.get(linkKey(slot.spec.id, other.spec.id))?.port ?? 0}`)
      .join(',');
    const membership = slot.spec.initialVoter ? ['--peers', peers] : ['--join'];
    return [
      '--id',
      slot.spec.id,
      '--listen',
      `127.0.0.1:${slot.port}`,
      ...membership,
      '--data-dir',
      join(slot.dir, 'data'),
      ...(routes === '' ? [] : ['--peer-route', routes]),
      ...flagsForNode(this.spec.commonFlags, slot.spec.id),
      ...flagsForNode(slot.flags, slot.spec.id),
    ];
  }

  private async startNode(id: string): Promise<void> {
    const slot = this.slot(id);
    if (slot.process?.running === true) return;
    const env =
      this.options.faketimeLibraryPath === null
        ? {}
        : faketimeEnvironment(this.options.faketimeLibraryPath, slot.timestampFile);
    const process = await NodeProcess.start({
      id,
      command: this.options.nodeCommand,
      args: this.nodeArgs(slot),
      env,
      logPath: join(slot.dir, 'node.log'),
      startTimeoutMs: this.spec.startTimeoutMs,
    });
    slot.process = process;
    this.updatePids();
    void process.whenExited().then((exit: NodeExit) => {
      this.updatePids();
      if (!exit.expected && !this.stopped) this.unexpected.push({ node: id, code: exit.code, signal: exit.signal });
    });
  }

  private updatePids(): void {
    const pids = [...this.slots.values()].flatMap((s) =>
      s.process?.running === true && s.process.pid !== undefined ? [s.process.pid] : [],
    );
    this.reaper.update(pids);
  }

  async kill(id: string): Promise<void> {
    await this.slot(id).process?.kill();
  }

  expectExit(id: string): void {
    this.slot(id).process?.expectExit();
  }

  async stopNode(id: string): Promise<void> {
    await this.slot(id).process?.stop();
  }

  async start(id: string, flags?: readonly string[]): Promise<void> {
    const slot = this.slot(id);
    if (flags !== undefined) {
      if (slot.process?.running === true) {
        if (flags.join('\0') === slot.flags.join('\0')) return;
        throw new HarnessError('INVALID_OPTION', `node ${id} is running: kill it before restarting with other flags`);
      }
      slot.flags = flags;
    }
    await this.startNode(id);
  }

  flagsOf(id: string): readonly string[] {
    return this.slot(id).flags;
  }

  setFlags(id: string, flags: readonly string[]): void {
    this.slot(id).flags = [...flags];
  }

  async pause(id: string): Promise<void> {
    this.slot(id).process?.pause();
  }

  async resume(id: string): Promise<void> {
    this.slot(id).process?.resume();
  }

  async partition(grudge: Grudge): Promise<void> {
    for (const proxy of this.proxies.values()) proxy.setBlocked(grudge.get(proxy.to)?.has(proxy.from) ?? false);
  }

  async heal(): Promise<void> {
    for (const proxy of this.proxies.values()) proxy.setBlocked(false);
  }

  async setLatency(from: string, to: string, delayMs: number): Promise<void> {
    this.link(from, to).setLatency(delayMs);
  }

  async resetConnections(from: string, to: string): Promise<void> {
    this.link(from, to).resetConnections();
  }

  private link(from: string, to: string): LinkProxy {
    this.slot(from);
    this.slot(to);
    const proxy = this.proxies.get(linkKey(from, to));
    if (proxy === undefined) throw new HarnessError('UNKNOWN_NODE', `no link from ${from} to ${to}`);
    return proxy;
  }

  async setClockOffset(id: string, offsetMs: number): Promise<void> {
    if (this.options.faketimeLibraryPath === null)
      throw new HarnessError('CLOCK_UNAVAILABLE', 'clock faults are unavailable: nodes run without libfaketime');
    await writeFaketimeOffset(this.slot(id).timestampFile, offsetMs);
  }

  async resetClocks(): Promise<void> {
    for (const slot of this.slots.values()) await writeFaketimeOffset(slot.timestampFile, 0);
  }

  /** Node logs and data dirs already live under `<runDir>/nodes/<id>/`; copies them when `destDir` is elsewhere. */
  async collectArtifacts(destDir: string): Promise<void> {
    for (const slot of this.slots.values()) {
      const dest = resolve(destDir, slot.spec.id);
      if (dest === slot.dir) continue;
      await mkdir(dest, { recursive: true });
      await cp(slot.dir, dest, { recursive: true });
    }
  }

  /** Stops every node (gracefully, then SIGKILL), closes every proxy and the watchdog. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        await slot.process?.stop();
      }),
    );
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
    this.reaper.update([]);
    this.reaper.stop();
    process.off('exit', this.exitHook);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private killAllNow(): void {
    for (const slot of this.slots.values()) slot.process?.killNow();
    this.reaper.stop();
  }
}

function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}
