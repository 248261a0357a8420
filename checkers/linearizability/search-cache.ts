// Lowe's memoization for the Wing–Gong search: the set of configurations
// (linearized operations, model state) already explored. A configuration seen
// twice has the same future, so the second visit is pruned. Bitsets are stored
// as a window [lo, hi] of 32-bit words (every word below lo is full, every
// word above hi is empty): in a long history only the concurrency window
// differs between configurations, so entries stay small (bounded memory).
//
// Operations with unknown outcome are optional, so a configuration dominates
// every configuration with the same completed set and state that has linearized
// MORE unknown operations: whatever the latter can still do, the former can do
// too. The cache therefore keys on (completed set, state) and prunes a
// configuration when one with a subset of its unknown operations was seen.
// Without this, each pending unknown write multiplies the explored space
// (linearized-then-overwritten and never-linearized look different).

/** The linearized-set bitset plus the window bounds the search maintains. */
export interface BitsetView {
  readonly words: Uint32Array;
  /** First word that is not all ones. */
  readonly lo: number;
  /** Last word that is not zero (lo - 1 when none above lo). */
  readonly hi: number;
}

interface CacheEntry<State> {
  readonly lo: number;
  readonly window: Uint32Array;
  readonly unknownWords: Uint32Array;
  readonly state: State;
}

/** True when every bit of `a` is set in `b` (same length). */
function isSubset(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i += 1) if (((a[i] ?? 0) & ~(b[i] ?? 0)) !== 0) return false;
  return true;
}

/** Memoized configurations left to all the searches of one check (bounds memory). */
export interface CacheAllowance {
  remaining: number;
}

/** A hash set of configurations keyed by a 32-bit hash, compared exactly on collision. */
export class SearchCache<State> {
  private readonly buckets = new Map<number, CacheEntry<State>[]>();
  private count = 0;

  constructor(
    private readonly equal: (a: State, b: State) => boolean,
    private readonly allowance: CacheAllowance,
  ) {}

  /** Returns this cache's entries to the allowance (the search is over). */
  release(): void {
    this.allowance.remaining += this.count;
    this.buckets.clear();
    this.count = 0;
  }

  /** Number of configurations stored. */
  get size(): number {
    return this.count;
  }

  /** Adds the configuration; returns false when it (or one dominating it) was already present. */
  add(hash: number, required: BitsetView, unknownWords: Uint32Array, state: State): boolean {
    const hi = Math.max(required.hi, required.lo - 1);
    const bucket = this.buckets.get(hash);
    if (bucket !== undefined) {
      for (const entry of bucket) {
        if (entry.lo !== required.lo || entry.window.length !== hi - required.lo + 1) continue;
        if (!this.equal(entry.state, state)) continue;
        if (!sameWindow(entry.window, required.words, required.lo)) continue;
        if (isSubset(entry.unknownWords, unknownWords)) return false;
      }
    }
    const entry: CacheEntry<State> = {
      lo: required.lo,
      window: required.words.slice(required.lo, hi + 1),
      unknownWords: unknownWords.length === 0 ? unknownWords : unknownWords.slice(),
      state,
    };
    if (bucket === undefined) this.buckets.set(hash, [entry]);
    else bucket.push(entry);
    this.count += 1;
    this.allowance.remaining -= 1;
    return true;
  }
}

function sameWindow(window: Uint32Array, words: Uint32Array, lo: number): boolean {
  for (let i = 0; i < window.length; i += 1) if (window[i] !== words[lo + i]) return false;
  return true;
}
