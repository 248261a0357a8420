/**
 * An in-process stand-in for a cluster: one linearizable register map that
 * "nodes" serve while they are up and can reach a majority. Kills, pauses and
 * partitions change availability the way they would on a real cluster
 * (refused while down, timeouts while cut off or paused). With
 * `staleReadProbability` > 0 its reads may return an older value — a broken
 * SUT the checker must catch. Used by harness tests and the harness benchmark.
 */
import { Random } from '../../generator/random.js';
import type { JsonValue } from '../../history/op.js';
import type { CallFailure, KvConnection, NodeAccess, NodeStatusSummary } from '../../client/kv-connection.js';
import { HarnessError } from '../../errors/index.js';
import type { Grudge, NodeHandle } from '../cluster-backend.js';

export interface FakeClusterOptions {
  readonly nodes: readonly string[];
  readonly seed: number;
  /** Probability that a read returns some older value of the key (0 = a correct SUT). */
  readonly staleReadProbability: number;
}

/** The error the fake's calls reject with. */
export class FakeCallError extends Error {
  constructor(readonly failure: CallFailure) {
    super(failure.message);
  }
}

interface FakeNode {
  running: boolean;
  paused: boolean;
  clockOffsetMs: number;
}

export class FakeCluster {
  readonly backend = 'fake' as const;
  private readonly state = new Map<string, FakeNode>();
  private grudge: Grudge = new Map();
  private readonly flags = new Map<string, readonly string[]>();
  private readonly versions = new Map<string, JsonValue[]>();
  private readonly random: Random;
  private stopped = false;

  constructor(private readonly options: FakeClusterOptions) {
    for (const id of options.nodes) this.state.set(id, { running: true, paused: false, clockOffsetMs: 0 });
    this.random = new Random(options.seed);
  }

  nodes(): readonly NodeHandle[] {
    return this.options.nodes.map((id) => this.node(id));
  }

  node(id: string): NodeHandle {
    const node = this.get(id);
    return { id, clientAddress: `fake:${id}`, peerAddress: `fake:${id}`, running: node.running, paused: node.paused };
  }

  private get(id: string): FakeNode {
    const node = this.state.get(id);
    if (node === undefined) throw new HarnessError('UNKNOWN_NODE', `unknown node "${id}"`);
    return node;
  }

  private up(id: string): boolean {
    const node = this.get(id);
    return node.running && !node.paused;
  }

  /** Up and in a connected majority (both directions). */
  available(id: string): boolean {
    if (!this.up(id) || this.stopped) return false;
    const hears = (a: string, b: string): boolean => !(this.grudge.get(a)?.has(b) ?? false);
    const reachable =
      this.options.nodes.filter((other) => other !== id && this.up(other) && hears(id, other) && hears(other, id))
        .length + 1;
    return reachable >= Math.floor(this.options.nodes.length / 2) + 1;
  }

  async kill(id: string): Promise<void> {
    Object.assign(this.get(id), { running: false, paused: false });
  }

  async stopNode(id: string): Promise<void> {
    await this.kill(id);
  }

  flagsOf(id: string): readonly string[] {
    return this.flags.get(id) ?? [];
  }

  setFlags(id: string, flags: readonly string[]): void {
    this.get(id);
    this.flags.set(id, [...flags]);
  }

  async start(id: string, flags?: readonly string[]): Promise<void> {
    if (flags !== undefined) this.setFlags(id, flags);
    this.get(id).running = true;
  }

  async pause(id: string): Promise<void> {
    const node = this.get(id);
    if (node.running) node.paused = true;
  }

  async resume(id: string): Promise<void> {
    this.get(id).paused = false;
  }

  async partition(grudge: Grudge): Promise<void> {
    this.grudge = grudge;
  }

  async heal(): Promise<void> {
    this.grudge = new Map();
  }

  async setLatency(_from: string, _to: string, _delayMs: number): Promise<void> {}

  async resetConnections(_from: string, _to: string): Promise<void> {}

  async setClockOffset(id: string, offsetMs: number): Promise<void> {
    this.get(id).clockOffsetMs = offsetMs;
  }

  async resetClocks(): Promise<void> {
    for (const node of this.state.values()) node.clockOffsetMs = 0;
  }

  async collectArtifacts(_destDir: string): Promise<void> {}

  async stop(): Promise<void> {
    this.stopped = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Executes one call as node `id` would; `apply` runs atomically when the node can serve. */
  private async call<T>(id: string, timeoutMs: number, apply: () => T): Promise<T> {
    // Yield once so concurrent clients interleave like real RPCs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!this.get(id).running || this.stopped)
      throw new FakeCallError({ definite: true, name: 'ConnectionRefused', message: `${id} is down` });
    if (!this.available(id)) {
      await new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      throw new FakeCallError({ definite: false, name: 'DeadlineExceeded', message: `${id} cannot reach a majority` });
    }
    return apply();
  }

  private current(key: string): JsonValue {
    const list = this.versions.get(key);
    return list === undefined ? null : (list[list.length - 1] ?? null);
  }

  private set(key: string, value: JsonValue): void {
    const list = this.versions.get(key) ?? [null];
    list.push(value);
    this.versions.set(key, list);
  }

  private connection(id: string): KvConnection {
    return {
      node: id,
      read: (key, timeoutMs) =>
        this.call(id, timeoutMs, () => {
          const list = this.versions.get(key);
          if (list !== undefined && list.length > 1 && this.random.float() < this.options.staleReadProbability) {
            return list[this.random.int(list.length - 1)] ?? null;
          }
          return this.current(key);
        }),
      write: (key, value, timeoutMs) =>
        this.call(id, timeoutMs, () => {
          this.set(key, value);
          return {};
        }),
      // The fake has one state for all nodes: a local read of a running node sees it.
      readLocal: (key, timeoutMs) => this.call(id, timeoutMs, () => ({ value: this.current(key), appliedIndex: 0 })),
      cas: (key, expected, next, timeoutMs) =>
        this.call(id, timeoutMs, () => {
          if (JSON.stringify(this.current(key)) !== JSON.stringify(expected)) return { succeeded: false };
          this.set(key, next);
          return { succeeded: true };
        }),
      classify: (error) =>
        error instanceof FakeCallError
          ? error.failure
          : { definite: false, name: 'UnknownFailure', message: String(error) },
      close: () => undefined,
    };
  }

  /** NodeAccess to this fake's nodes. */
  access(): NodeAccess {
    return {
      connect: (node) => this.connection(node),
      status: async (node): Promise<NodeStatusSummary> => {
        if (!this.up(node))
          throw new FakeCallError({ definite: true, name: 'ConnectionRefused', message: `${node} is down` });
        const leader = this.options.nodes.find((n) => this.available(n)) ?? '';
        const reachesLeader = leader !== '' && this.available(node);
        return {
          id: node,
          role: node === leader ? 'leader' : 'follower',
          term: 1,
          leader: reachesLeader ? leader : '',
          halted: false,
          version: 'fake',
          stage: '6F',
          bugs: [],
        };
      },
      close: () => undefined,
    };
  }
}
