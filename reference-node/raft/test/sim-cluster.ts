/**
 * Test support: a pure simulated network of SimNodes. Messages sit in one
 * in-flight queue and are delivered, dropped, duplicated or reordered only
 * when the test says so; partitions cut ordered pairs of nodes at delivery
 * time; crashed nodes lose their volatile state and restart from disk.
 */
import { bootstrap } from '../bootstrap.js';
import { MemoryStorage } from '../memory-storage.js';
import { decodeMessage, encodeMessage } from '../message-codec.js';
import { MessageType, withSnapshotData, type Message } from '../message.js';
import { asNodeId, type ConfState, type Entry, type NodeId } from '../types.js';
import { InvariantChecker } from './invariants.js';
import { SimNode, type SimNodeOptions } from './sim-node.js';

/** Deterministic uniform [0, 1) source (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimClusterOptions {
  readonly node?: SimNodeOptions;
  /** Random source for node `id`; default: a seeded source per node. */
  readonly randomFor?: (id: NodeId) => () => number;
  readonly seed?: number;
  /** Record each node's Ready texts in `trace` (for scenario output). */
  readonly trace?: boolean;
  /**
   * Ship every message through the wire codec the way the transport does
   * (snapshot data sent separately and re-attached).
   */
  readonly viaCodec?: boolean;
}

function overTheWire(m: Message): Message {
  if (m.type !== MessageType.Snapshot || m.snapshot === null) return decodeMessage(encodeMessage(m));
  return withSnapshotData(decodeMessage(encodeMessage(m, { omitSnapshotData: true })), m.snapshot.data.slice());
}

export class SimCluster {
  readonly nodes = new Map<string, SimNode>();
  /** In-flight messages in send order. */
  queue: Message[] = [];
  private readonly cut = new Set<string>();
  readonly checker = new InvariantChecker();
  readonly trace: string[] = [];
  /** Delivered messages per type name (to judge how much a schedule exercised). */
  readonly delivered = new Map<string, number>();

  constructor(private readonly options: SimClusterOptions = {}) {}

  private randomFor(id: NodeId): () => number {
    if (this.options.randomFor !== undefined) return this.options.randomFor(id);
    let hash = this.options.seed ?? 1;
    for (const ch of id) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
    return seededRandom(hash);
  }

  /** Creates and bootstraps a new cluster of voters with the given ids. */
  bootstrapVoters(ids: readonly string[]): void {
    const voters = ids.map(asNodeId);
    for (const id of voters) {
      const storage = new MemoryStorage();
      const { confState } = bootstrap(storage, voters);
      this.addNode(id, storage, confState);
    }
  }

  /** Creates a node with empty storage that waits to be added. */
  addJoiner(id: string): void {
    this.addNode(asNodeId(id), new MemoryStorage(), { voters: [], learners: [] });
  }

  private addNode(id: NodeId, storage: MemoryStorage, confState: ConfState): void {
    if (this.nodes.has(id)) throw new Error(`node ${id} already exists`);
    this.nodes.set(id, new SimNode(id, storage, confState, this.options.node ?? {}, this.randomFor(id)));
    this.settle(id);
  }

  get(id: string): SimNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`unknown node ${id}`);
    return node;
  }

  ids(): string[] {
    return [...this.nodes.keys()].sort();
  }

  /** Runs a node's Ready loop, queues its messages and checks invariants. */
  settle(id: string): void {
    const sim = this.get(id);
    if (!sim.up) return;
    const { messages, text } = sim.processReady(this.checker);
    this.queue.push(...messages);
    if (this.options.trace === true) {
      for (const t of text) if (t !== '') this.trace.push(`${id}: ${t.split('\n').join(`\n${id}: `)}`);
    }
    this.checker.checkNode(sim, this);
  }

  tick(id: string, times = 1): void {
    const sim = this.get(id);
    if (!sim.up) return;
    for (let i = 0; i < times; i++) {
      sim.node.tick();
      this.settle(id);
    }
  }

  /** Whether a message from → to would currently be delivered. */
  canDeliver(m: Message): boolean {
    const target = this.nodes.get(m.to);
    return target !== undefined && target.up && !this.cut.has(`${m.from}>${m.to}`);
  }

  /** Delivers (or loses, if cut/down) the queued message at `position`. */
  deliverAt(position: number): Message | null {
    const [m] = this.queue.splice(position, 1);
    if (m === undefined) return null;
    if (!this.canDeliver(m)) {
      this.reportLostSnapshot(m);
      return null;
    }
    this.get(m.to).node.step(this.options.viaCodec === true ? overTheWire(m) : m);
    this.delivered.set(MessageType[m.type], (this.delivered.get(MessageType[m.type]) ?? 0) + 1);
    this.settle(m.to);
    this.reportSnapshotDelivered(m);
    return m;
  }

  dropAt(position: number): void {
    const [m] = this.queue.splice(position, 1);
    if (m !== undefined) this.reportLostSnapshot(m);
  }

  /**
   * Snapshots travel on their own acknowledged stream in the real transport,
   * so the sender learns how they ended: model that with reportSnapshot.
   */
  private reportSnapshotDelivered(m: Message): void {
    if (m.type !== MessageType.Snapshot) return;
    const sender = this.nodes.get(m.from);
    if (sender === undefined || !sender.up) return;
    sender.node.reportSnapshot(m.to, 'finish');
    this.settle(m.from);
  }

  private reportLostSnapshot(m: Message): void {
    if (m.type !== MessageType.Snapshot) return;
    const sender = this.nodes.get(m.from);
    if (sender === undefined || !sender.up) return;
    sender.node.reportSnapshot(m.to, 'failure');
    this.settle(m.from);
  }

  duplicateAt(position: number): void {
    const m = this.queue[position];
    if (m !== undefined) this.queue.push(m);
  }

  /** Delivers until the queue is empty; throws if it does not drain within `maxMessages`. */
  deliverAll(maxMessages = 10_000): Message[] {
    const delivered: Message[] = [];
    for (let i = 0; this.queue.length > 0; i++) {
      if (i >= maxMessages) throw new Error(`network did not drain within ${maxMessages} messages`);
      const m = this.deliverAt(0);
      if (m !== null) delivered.push(m);
    }
    return delivered;
  }

  /** Cuts every link between different groups (both directions). Nodes in no group are isolated. */
  partition(groups: readonly (readonly string[])[]): void {
    this.cut.clear();
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    for (const a of this.nodes.keys()) {
      for (const b of this.nodes.keys()) {
        if (a === b) continue;
        const ga = groupOf.get(a);
        if (ga === undefined || ga !== groupOf.get(b)) this.cut.add(`${a}>${b}`);
      }
    }
  }

  /** Cuts one direction only (from → to); the other direction keeps working. */
  cutOneWay(from: string, to: string): void {
    if (from !== to) this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  crash(id: string): void {
    this.get(id).up = false;
  }

  restart(id: string): void {
    const sim = this.get(id);
    sim.restart();
    this.checker.onRestart(sim);
    this.settle(id);
  }

  /** Current leaders (up nodes whose role is leader). */
  leaders(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up && n.node.status().role === 'leader');
  }

  /** Every entry of a node's persisted log, in index order. */
  static persistedLog(sim: SimNode): readonly Entry[] {
    const first = sim.storage.firstIndex();
    const last = sim.storage.lastIndex();
    return last < first ? [] : sim.storage.entries(first, asIndex(last + 1));
  }
}

function asIndex(i: number): ReturnType<MemoryStorage['lastIndex']> {
  return i as ReturnType<MemoryStorage['lastIndex']>;
}
