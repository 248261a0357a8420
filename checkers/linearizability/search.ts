// The Wing–Gong linearizability search with Lowe's memoization (as in
// porcupine's checkSingle), iterative over an explicit stack. Operations are
// events on a doubly linked list ordered by time; linearizing an operation
// lifts its call and return out of the list (dancing links), backtracking
// puts them back. Two refinements:
//  - operations with unknown outcome have no return event and live on a second
//    list; they are tried only when no completed operation can be linearized
//    (newest first), since a completed one never needs them otherwise. The
//    search is still exhaustive: every candidate is tried at every node.
//  - the search stops successfully once every completed operation is
//    linearized; pending unknown operations simply never happened.
//  - disposal before a blind write (Model.overwritesState): at a completed
//    write w, the first child tried is "every pending unknown op that may go
//    here, then w", one edge of the search tree (intermediate configurations
//    are not memoized: only their one continuation is explored). Only then
//    comes the ordinary child "w alone", with those ops still pending.
//    Why the verdict stays exact: the extra child is a real linearization
//    step (each disposed op is invoked before the first pending return, so it
//    may go here), so a success through it is a true linearization; and every
//    ordinary child is still explored, so no linearization is lost. Why it is
//    cheap: w overwrites whatever the disposed ops did, so the configuration
//    after the edge has the state of "w alone" with fewer pending ops. In a
//    valid history most unknown writes are overwritten unobserved, and this
//    child settles them at once; without it, each pending op stays a
//    candidate at every later dead end, multiplying the explored states by
//    the orders of the pending ops (each further one ~8-10x on kv appends).
import type { Model } from './model.js';
import type { Operation } from './operation.js';
import { EventLists } from './event-lists.js';
import { SearchCache } from './search-cache.js';
import type { CacheAllowance } from './search-cache.js';
import { SearchExplainer } from './search-explainer.js';
import type { StuckConfiguration } from './search-explainer.js';

/** Why a search stopped before deciding. */
export type StopReason = 'budget-exhausted' | 'cancelled' | 'cache-full';

/** Limits and cancellation of one search. */
export interface SearchControl {
  /** Polled every few thousand steps; a reason stops the search with `unknown`. */
  shouldStop(): StopReason | undefined;
  /** Memoized configurations left to all searches of the check; at 0 they stop (bounds memory). */
  readonly cacheAllowance: CacheAllowance;
}

/** The outcome for one partition; operation numbers index the input array. */
export type SearchOutcome<State> =
  | { readonly kind: 'linearizable'; readonly order: readonly number[]; readonly cacheEntries: number }
  | {
      readonly kind: 'not-linearizable';
      readonly failing: number;
      readonly previousOk: number | undefined;
      readonly configurations: readonly StuckConfiguration<State>[];
      readonly cacheEntries: number;
    }
  | {
      readonly kind: 'unknown';
      readonly reason: StopReason;
      readonly frontier: number | undefined;
      readonly previousOk: number | undefined;
      readonly cacheEntries: number;
    };

const pollEverySteps = 4096;

/** Outcomes of trying one candidate. */
type TryResult = 0 | 1 | 2;
const refused: TryResult = 0;
const pushed: TryResult = 1;
const deadEnd: TryResult = 2;

/** Deterministic Zobrist keys (xorshift32): no Math.random in the checker. */
function zobristKeys(count: number): Int32Array {
  const keys = new Int32Array(count);
  let x = 0x2545f491;
  for (let i = 0; i < count; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    keys[i] = x;
  }
  return keys;
}

/**
 * Links each unknown-outcome op to the previous one (by invocation) with the
 * same input key. Such ops are interchangeable: a linearization that uses a
 * later one but not the earlier one stays valid with the earlier one in its
 * place (it was invoked no later and has no return), so the search only ever
 * linearizes the earliest pending one of each kind.
 */
function twinsOf<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
): Int32Array {
  const twins = new Int32Array(ops.length).fill(-1);
  if (model.inputKey === undefined) return twins;
  const last = new Map<string, number>();
  const order = ops.map((_, i) => i).filter((i) => ops[i]?.return === undefined);
  order.sort((a, b) => (ops[a]?.call ?? 0) - (ops[b]?.call ?? 0) || a - b);
  for (const i of order) {
    const op = ops[i];
    if (op === undefined) continue;
    const key = model.inputKey(op.input);
    twins[i] = last.get(key) ?? -1;
    last.set(key, i);
  }
  return twins;
}

/** A search that can run in slices, so several partitions can share one thread. */
export interface PartitionSearch<State> {
  /** Runs at most `stepsMax` steps; returns the outcome once decided, undefined when paused. */
  resume(stepsMax: number): SearchOutcome<State> | undefined;
  /** Configurations memoized so far. */
  readonly cacheEntries: number;
  /** Drops the search undecided and frees its cache. */
  abandon(): void;
}

/**
 * The order in which unknown-outcome ops are tried. lazy: only where no
 * completed op can go (at a return), newest first, plus the disposal edge
 * before blind writes. eager: in time order among the completed ops'
 * events, as porcupine does with a return at infinity. Both are exhaustive
 * and give the same verdict; each is much faster than the other on some
 * histories, so the checker runs both side by side (see check.ts).
 */
export type UnknownOrder = 'lazy' | 'eager';

/** Starts a resumable search over one partition's operations. */
export function startPartitionSearch<State, Input, Output>(
  model: Model<State, Input, Output>,
  ops: readonly Operation<Input, Output>[],
  control: SearchControl,
  order: UnknownOrder = 'lazy',
): PartitionSearch<State> {
  return new WglSearch(model, ops, control, order === 'eager');
}

/** Zobrist keys shared by all searches (a partition of n ops uses the first n). */
let sharedZobrist: Int32Array = new Int32Array(0);

function zobristFor(count: number): Int32Array {
  if (sharedZobrist.length < count) sharedZobrist = zobristKeys(Math.max(count, 2 * sharedZobrist.length, 1024));
  return sharedZobrist;
}

class WglSearch<State, Input, Output> implements PartitionSearch<State> {
  private readonly lists: EventLists;
  /** Per op: 1 when completed (its return must be linearized). */
  private readonly required: Uint8Array;
  /** Per op: 1 when the model says it never changes the state (completed ops only). */
  private readonly readOnly: Uint8Array;
  /** Per op: 1 when it is a completed blind write (Model.overwritesState). */
  private readonly overwrites: Uint8Array;
  /** Bit position of each op in its bitset (required and unknown ops are numbered apart). */
  private readonly bit: Int32Array;
  private readonly zobrist: Int32Array;
  /** The ops' inputs and outputs, copied out of the op objects (whatever their shape) for the hot loop. */
  private readonly inputs: Input[];
  private readonly outputs: Output[];
  /** The linearized completed ops (signed words: a full word is -1, so every value stays a small integer). */
  private readonly words: Int32Array;
  private readonly unknownWords: Int32Array;
  private lo = 0;
  private hi = -1;
  /**
   * Window of unknownWords, as for the completed set: every word below
   * unknownLo is all ones, every word above unknownHi is zero. (Storing only
   * the non-zero words made entries as long as the history once the eager
   * order had linearized its early unknown ops: 1M ops took 104 s.)
   */
  private unknownLo = 0;
  private unknownHi = -1;
  private bitsHash = 0;
  private state: State;
  // The stack of linearized ops: at most one entry per op, so fixed arrays and a depth.
  private depth = 0;
  private readonly stackOps: Int32Array;
  private readonly stackStates: State[] = [];
  private readonly stackBlock: Int32Array;
  /** Whether each stack entry was a forced move (see tryLinearize): its node has no alternatives. */
  private readonly stackForced: Uint8Array;
  /** Per stack entry: ops disposed of just below it as one edge (see disposal above), else 0. */
  private readonly stackDisposed: Int32Array;
  private readonly cache: SearchCache<State>;
  private readonly explainer: SearchExplainer<State, Input, Output>;
  private remainingRequired = 0;
  /** For an unknown op: the earlier-invoked pending unknown op with the same input (-1 if none). */
  private readonly previousTwin: Int32Array;

  constructor(
    private readonly model: Model<State, Input, Output>,
    private readonly ops: readonly Operation<Input, Output>[],
    private readonly control: SearchControl,
    private readonly eager: boolean,
  ) {
    const n = ops.length;
    this.lists = new EventLists(ops, eager);
    this.required = new Uint8Array(n);
    this.readOnly = new Uint8Array(n);
    this.overwrites = new Uint8Array(n);
    this.bit = new Int32Array(n);
    this.inputs = new Array<Input>(n);
    this.outputs = new Array<Output>(n);
    let requiredCount = 0;
    let unknownCount = 0;
    const readOnlyKnown = model.isReadOnly !== undefined;
    const overwritesKnown = !eager && model.overwritesState !== undefined;
    for (let i = 0; i < n; i += 1) {
      const op = ops[i] as Operation<Input, Output>;
      const input = op.input;
      this.inputs[i] = input;
      this.outputs[i] = op.output;
      if (op.return === undefined) {
        this.bit[i] = unknownCount;
        unknownCount += 1;
        continue;
      }
      this.required[i] = 1;
      this.bit[i] = requiredCount;
      requiredCount += 1;
      if (readOnlyKnown && model.isReadOnly?.(input) === true) this.readOnly[i] = 1;
      if (overwritesKnown && model.overwritesState?.(input) === true) this.overwrites[i] = 1;
    }
    this.remainingRequired = requiredCount;
    this.words = new Int32Array(Math.ceil(requiredCount / 32));
    this.unknownWords = new Int32Array(Math.ceil(unknownCount / 32));
    this.zobrist = zobristFor(n);
    this.stackOps = new Int32Array(n);
    this.stackBlock = new Int32Array(n);
    this.stackForced = new Uint8Array(n);
    this.stackDisposed = new Int32Array(n);
    this.state = model.init();
    this.cache = new SearchCache<State>(model, control.cacheAllowance);
    this.explainer = new SearchExplainer(model, ops, this.lists);
    this.entry = this.lists.next[this.lists.headRequired] ?? -1;
    this.previousTwin = unknownCount === 0 ? new Int32Array(0) : twinsOf(model, ops);
  }

  // The loop's position, kept between slices.
  private entry = -1;
  private inUnknownPhase = false;
  private block = -1;
  private steps = 0;
  /** Set when back from the disposal edge at `entry`: try its write alone next. */
  private disposalTried = false;

  get cacheEntries(): number {
    return this.cache.size;
  }

  resume(stepsMax: number): SearchOutcome<State> | undefined {
    const { next, prev, rank, headRequired, headUnknown } = this.lists;
    const required = this.required;
    let { entry, inUnknownPhase, block, steps, disposalTried } = this;
    const stepsEnd = steps + stepsMax;
    while (this.remainingRequired > 0) {
      steps += 1;
      if (steps % pollEverySteps === 0 || steps >= stepsEnd) {
        const reason =
          this.control.cacheAllowance.remaining <= 0 || this.control.cacheAllowance.bytesRemaining <= 0
            ? 'cache-full'
            : this.control.shouldStop();
        if (reason !== undefined) return this.finish(this.stopped(reason));
        if (steps >= stepsEnd) {
          this.entry = entry;
          this.inUnknownPhase = inUnknownPhase;
          this.block = block;
          this.steps = steps;
          this.disposalTried = disposalTried;
          return undefined;
        }
      }
      let dead = false;
      if (!inUnknownPhase) {
        if ((entry & 1) === 0) {
          const op = entry >> 1;
          if (required[op] === 0 && this.twinPending(op)) {
            entry = next[entry] ?? -1;
            continue;
          }
          if (!disposalTried && this.overwrites[op] === 1 && this.tryDisposal(entry) === pushed) {
            entry = next[headRequired] ?? -1;
            continue;
          }
          disposalTried = false;
          const tried = this.tryLinearize(op, -1);
          if (tried === pushed) {
            entry = next[headRequired] ?? -1;
            continue;
          }
          if (tried === refused) {
            entry = next[entry] ?? -1;
            continue;
          }
          dead = true;
        } else {
          // A return: its operation must precede everything after it, so only
          // unknown operations invoked before it remain as candidates.
          block = entry;
          inUnknownPhase = true;
          entry = this.lastUnknownBefore(rank[block] ?? 0);
          continue;
        }
      } else if (entry !== headUnknown && entry !== -1) {
        if (!this.twinPending(entry >> 1) && this.tryLinearize(entry >> 1, block) === pushed) {
          inUnknownPhase = false;
          entry = next[headRequired] ?? -1;
          continue;
        }
        entry = prev[entry] ?? -1;
        continue;
      }
      // Every candidate failed (or a forced move led to a known dead end): backtrack.
      if (!dead) this.explainer.noteStuck(block, this.stackOps, this.depth, this.stackStates, this.state);
      const popped = this.backtrack();
      if (popped < 0) return this.finish(this.failed());
      inUnknownPhase = !this.eager && required[popped] === 0;
      block = this.poppedBlock;
      disposalTried = this.poppedDisposal;
      // Back from a disposal edge, the same write is tried again, alone.
      entry = inUnknownPhase ? (prev[2 * popped] ?? -1) : disposalTried ? 2 * popped : (next[2 * popped] ?? -1);
    }
    return this.finish({
      kind: 'linearizable',
      order: Array.from(this.stackOps.subarray(0, this.depth)),
      cacheEntries: this.cache.size,
    });
  }

  abandon(): void {
    this.cache.release();
  }

  /** Frees the cache (and its share of the allowance) once decided. */
  private finish(outcome: SearchOutcome<State>): SearchOutcome<State> {
    this.cache.release();
    return outcome;
  }

  /** The newest unknown call that precedes the event of rank `limit` (headUnknown when none). */
  private lastUnknownBefore(limit: number): number {
    const { next, rank, headUnknown } = this.lists;
    let last = headUnknown;
    for (let e = next[headUnknown] ?? -1; e !== -1 && (rank[e] ?? 0) < limit; e = next[e] ?? -1) last = e;
    return last;
  }

  /** True when an identical unknown op invoked earlier is still pending: try that one instead. */
  private twinPending(op: number): boolean {
    const twin = this.previousTwin[op] ?? -1;
    if (twin < 0) return false;
    const position = this.bit[twin] ?? 0;
    return ((this.unknownWords[position >>> 5] ?? 0) & (1 << (position & 31))) === 0;
  }

  /**
   * Tries to linearize `op` next. A completed read-only op that is legal here
   * is a forced move: any linearization from this configuration can be
   * rearranged to start with it (it changes no state, and every other pending
   * op may follow it in real time), so its alternatives need no exploring; if
   * its successor configuration is already known to fail, this one is dead.
   */
  private tryLinearize(op: number, block: number): TryResult {
    const isRequired = this.required[op] === 1;
    const model = this.model;
    const nextState = model.step(this.state, this.inputs[op] as Input, isRequired ? this.outputs[op] : undefined);
    if (nextState === undefined) return refused;
    const forced = this.readOnly[op] === 1 && model.equal(nextState, this.state);
    this.flip(op);
    const hash = this.bitsHash ^ Math.imul(model.hash(nextState) | 0, 0x9e3779b1);
    if (
      !this.cache.add(hash, this.words, this.lo, this.hi, this.unknownWords, this.unknownLo, this.unknownHi, nextState)
    ) {
      this.flip(op);
      return forced ? deadEnd : refused;
    }
    this.push(op, nextState, block, forced, 0);
    return pushed;
  }

  /**
   * The disposal edge at the completed blind write whose call is `event`:
   * links every pending unknown op that may go before it (invoked before the
   * first pending return) and that the model accepts, then the write, which is
   * memoized as an ordinary configuration. Refused when nothing was disposed
   * or the resulting configuration is known.
   */
  private tryDisposal(event: number): TryResult {
    const { next, rank, headUnknown } = this.lists;
    let candidate = next[headUnknown] ?? -1;
    if (candidate === -1) return refused;
    let firstReturn = event;
    while (firstReturn !== -1 && (firstReturn & 1) === 0) firstReturn = next[firstReturn] ?? -1;
    const limit = firstReturn === -1 ? Infinity : (rank[firstReturn] ?? 0);
    let disposed = 0;
    // In invocation order, so that an earlier identical twin is always linearized first.
    while (candidate !== -1 && (rank[candidate] ?? 0) < limit) {
      const op = candidate >> 1;
      candidate = next[candidate] ?? -1;
      const nextState = this.model.step(this.state, this.inputs[op] as Input, undefined);
      if (nextState === undefined) continue;
      this.flip(op);
      this.push(op, nextState, -1, false, 0);
      disposed += 1;
    }
    if (disposed > 0 && this.tryLinearize(event >> 1, -1) === pushed) {
      this.stackDisposed[this.depth - 1] = disposed;
      return pushed;
    }
    for (let i = 0; i < disposed; i += 1) this.pop();
    return refused;
  }

  private push(op: number, nextState: State, block: number, forced: boolean, disposed: number): void {
    const depth = this.depth;
    this.stackOps[depth] = op;
    this.stackStates[depth] = this.state;
    this.stackBlock[depth] = block;
    this.stackForced[depth] = forced ? 1 : 0;
    this.stackDisposed[depth] = disposed;
    this.depth = depth + 1;
    this.state = nextState;
    const isRequired = this.required[op] === 1;
    this.lists.lift(op, isRequired);
    if (isRequired) this.remainingRequired -= 1;
  }

  /** Block of the last entry backtrack() popped, and whether it was a disposal edge. */
  private poppedBlock = -1;
  private poppedDisposal = false;

  /** Pops to the nearest node that still has alternatives: its op (see poppedBlock), or -1 when none is left. */
  private backtrack(): number {
    for (;;) {
      const top = this.depth - 1;
      if (top < 0) return -1;
      const forced = this.stackForced[top] === 1;
      const disposed = this.stackDisposed[top] ?? 0;
      this.poppedBlock = this.stackBlock[top] ?? -1;
      const op = this.pop();
      this.poppedDisposal = disposed > 0;
      if (disposed > 0) {
        for (let i = 0; i < disposed; i += 1) this.pop();
        return op;
      }
      if (!forced) return op;
    }
  }

  /** Undoes the top stack entry; returns its op. */
  private pop(): number {
    const depth = this.depth - 1;
    this.depth = depth;
    const op = this.stackOps[depth] ?? 0;
    this.state = this.stackStates[depth] as State;
    const isRequired = this.required[op] === 1;
    this.flip(op);
    this.lists.unlift(op, isRequired);
    if (isRequired) this.remainingRequired += 1;
    return op;
  }

  /** Toggles op's bit, keeping the Zobrist hash and the [lo, hi] window current. */
  private flip(op: number): void {
    const position = this.bit[op] ?? 0;
    const word = position >>> 5;
    const mask = 1 << (position & 31);
    // Unknown ops stay out of the hash: the cache compares them by inclusion.
    if (this.required[op] === 0) {
      this.flipUnknown(word, mask);
      return;
    }
    this.bitsHash ^= this.zobrist[op] ?? 0;
    const words = this.words;
    const value = (words[word] ?? 0) ^ mask;
    words[word] = value;
    // Locals, stored back unconditionally: a field store on a branch the first
    // searches never took deoptimized the optimized loop when it was taken.
    let lo = this.lo;
    let hi = this.hi;
    if ((value & mask) !== 0) {
      if (word > hi) hi = word;
      while (lo < words.length && words[lo] === -1) lo += 1;
    } else {
      if (word < lo) lo = word;
      while (hi >= lo && words[hi] === 0) hi -= 1;
    }
    this.lo = lo;
    this.hi = hi;
  }

  /** Toggles a bit of the unknown set, keeping its [unknownLo, unknownHi] window current. */
  private flipUnknown(word: number, mask: number): void {
    const words = this.unknownWords;
    const value = (words[word] ?? 0) ^ mask;
    words[word] = value;
    let lo = this.unknownLo;
    let hi = this.unknownHi;
    if ((value & mask) !== 0) {
      if (word > hi) hi = word;
      while (lo < words.length && words[lo] === -1) lo += 1;
    } else {
      if (word < lo) lo = word;
      while (hi >= lo && words[hi] === 0) hi -= 1;
    }
    this.unknownLo = lo;
    this.unknownHi = hi;
  }

  private failed(): SearchOutcome<State> {
    const failing = this.explainer.failingOp();
    return {
      kind: 'not-linearizable',
      failing,
      previousOk: this.explainer.previousOk(),
      configurations: this.explainer.configurations(),
      cacheEntries: this.cache.size,
    };
  }

  private stopped(reason: StopReason): SearchOutcome<State> {
    this.explainer.noteFrontier(this.stackOps, this.depth, this.stackStates, this.state);
    return {
      kind: 'unknown',
      reason,
      frontier: this.explainer.frontierOp(),
      previousOk: this.explainer.previousOk(),
      cacheEntries: this.cache.size,
    };
  }
}
