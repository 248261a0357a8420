/**
 * Test support: one simulated node — a RawNode, its "disk" (a MemoryStorage
 * that survives crashes), and a tiny state machine (the list of applied
 * values) — with a synchronous Ready loop that follows the shell contract.
 */
import { decodeConfChange } from '../conf-change.js';
import type { RaftConfigInput } from '../config.js';
import { describeReady } from '../describe.js';
import type { MemoryStorage } from '../memory-storage.js';
import type { Message } from '../message.js';
import { RawNode } from '../raw-node.js';
import { EntryType, type ConfState, type Entry, type NodeId, type ReadState } from '../types.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Options shared by every simulated node. */
export type SimNodeOptions = Omit<RaftConfigInput, 'id' | 'storage' | 'random' | 'applied'>;

/** Callbacks the cluster uses to check invariants while a node applies entries. */
export interface ApplyObserver {
  onApply(node: SimNode, entry: Entry): void;
}

export class SimNode {
  node: RawNode;
  /** The state machine: data of applied non-empty normal entries. */
  values: string[] = [];
  appliedIndex = 0;
  confState: ConfState;
  readStates: ReadState[] = [];
  up = true;

  constructor(
    readonly id: NodeId,
    /** The node's disk: survives crash/restart. */
    readonly storage: MemoryStorage,
    /** Membership a restart falls back to when there is no snapshot (bootstrap or empty). */
    private readonly initialConfState: ConfState,
    private readonly options: SimNodeOptions,
    private readonly random: () => number,
  ) {
    this.confState = initialConfState;
    this.node = this.makeNode(0);
  }

  private makeNode(applied: number): RawNode {
    return new RawNode({ ...this.options, id: this.id, storage: this.storage, random: this.random, applied });
  }

  /** Restarts from disk: the state machine is rebuilt from the latest snapshot, then replayed. */
  restart(): void {
    const snapshot = this.storage.snapshot();
    const index = snapshot.metadata.index;
    this.confState = index > 0 ? snapshot.metadata.confState : this.initialConfState;
    this.storage.setConfState(this.confState);
    this.values = index > 0 ? decodeValues(snapshot.data) : [];
    this.appliedIndex = index;
    this.readStates = [];
    this.node = this.makeNode(index);
    this.up = true;
  }

  /** Snapshots the state machine at its applied index and compacts the log up to it. */
  compact(): boolean {
    if (this.appliedIndex <= this.storage.snapshot().metadata.index) return false;
    this.storage.createSnapshot(this.asIndex(this.appliedIndex), this.confState, encodeValues(this.values));
    this.storage.compact(this.asIndex(this.appliedIndex));
    return true;
  }

  private asIndex(i: number): ReturnType<MemoryStorage['lastIndex']> {
    return i as ReturnType<MemoryStorage['lastIndex']>;
  }

  /**
   * Handles every pending Ready (persist, collect messages, apply, advance);
   * returns the messages to send and the text of each Ready.
   */
  processReady(observer: ApplyObserver): { messages: Message[]; text: string[] } {
    const messages: Message[] = [];
    const text: string[] = [];
    for (let round = 0; this.node.hasReady(); round++) {
      if (round >= 100) throw new Error(`${this.id}: Ready loop did not settle in 100 rounds`);
      const rd = this.node.ready();
      text.push(describeReady(rd));
      if (rd.snapshot !== undefined) {
        this.storage.applySnapshot(rd.snapshot);
        this.values = decodeValues(rd.snapshot.data);
        this.appliedIndex = rd.snapshot.metadata.index;
        this.confState = rd.snapshot.metadata.confState;
      }
      this.storage.append(rd.entries);
      if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
      messages.push(...rd.messages);
      for (const entry of rd.committedEntries) this.apply(entry, observer);
      this.readStates.push(...rd.readStates);
      this.node.advance();
    }
    return { messages, text };
  }

  private apply(entry: Entry, observer: ApplyObserver): void {
    if (entry.type === EntryType.ConfChange) {
      this.confState = this.node.applyConfChange(decodeConfChange(entry.data));
      this.storage.setConfState(this.confState);
    } else if (entry.data.length > 0) {
      this.values.push(utf8Decoder.decode(entry.data));
    }
    this.appliedIndex = entry.index;
    observer.onApply(this, entry);
  }
}

function encodeValues(values: readonly string[]): Uint8Array {
  return utf8Encoder.encode(JSON.stringify(values));
}

function decodeValues(data: Uint8Array): string[] {
  if (data.length === 0) return [];
  return JSON.parse(utf8Decoder.decode(data)) as string[];
}
