/** Test fixture: a node's storage, HLC, FSM, proposal registry and apply pipeline on one data directory. */
import { asLogIndex, asTerm, EntryType } from '../../raft/types.js';
import type { Entry } from '../../raft/types.js';
import { NodeStorage } from '../../storage/index.js';
import { ApplyPipeline } from '../apply-pipeline.js';
import { Hlc, type Clock } from '../hlc.js';
import { encodeProposal } from '../proposal-envelope.js';
import { ProposalRegistry } from '../proposal-registry.js';
import type { RaftUnwrapper } from '../raft-unwrapper.js';
import { StateMachine, type StateMachineOptions } from '../state-machine.js';

/** A clock the test sets by hand. */
export class ManualClock implements Clock {
  constructor(public ms = 1_700_000_000_000) {}
  nowMs(): number {
    return this.ms;
  }
}

/** A deterministic random source (xorshift32). */
export function seededRandom(seed: number): { nextUint32(): number } {
  let state = seed >>> 0 || 1;
  return {
    nextUint32() {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      return state;
    },
  };
}

/** Everything the kv layer needs for one node. */
export interface KvNode {
  readonly storage: NodeStorage;
  readonly clock: ManualClock;
  readonly hlc: Hlc;
  readonly fsm: StateMachine;
  readonly proposals: ProposalRegistry;
  readonly pipeline: ApplyPipeline;
  close(): Promise<void>;
}

/** Opens a kv node on classic-level in `dataDir` (reopen = "restart"). */
export async function openKvNode(
  dataDir: string,
  options: { clock?: ManualClock; unwrapper?: RaftUnwrapper; fsm?: Partial<StateMachineOptions>; seed?: number } = {},
): Promise<KvNode> {
  const storage = await NodeStorage.open(dataDir);
  const clock = options.clock ?? new ManualClock();
  const hlc = new Hlc(clock);
  const fsm = new StateMachine({ store: storage.state, hlc, ...options.fsm });
  const proposals = new ProposalRegistry({ random: seededRandom(options.seed ?? 7) });
  const pipeline = new ApplyPipeline({
    fsm,
    proposals,
    ...(options.unwrapper ? { unwrapper: options.unwrapper } : {}),
  });
  return { storage, clock, hlc, fsm, proposals, pipeline, close: () => storage.close() };
}

/** A normal entry carrying `payload` in a proposal envelope. */
export function proposalEntry(index: number, payload: Uint8Array, id = BigInt(index), term = 1): Entry {
  return { index: asLogIndex(index), term: asTerm(term), type: EntryType.Normal, data: encodeProposal(id, payload) };
}

/** A normal entry with raw data (no envelope). */
export function rawEntry(index: number, data: Uint8Array, term = 1): Entry {
  return { index: asLogIndex(index), term: asTerm(term), type: EntryType.Normal, data };
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : new TextDecoder().decode(bytes);
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
