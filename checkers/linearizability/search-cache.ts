// Lowe's memoization for the Wing–Gong search: the set of configurations
// (linearized operations, model state) already explored. A configuration seen
// twice has the same future, so the second visit is pruned. Bitsets are stored
// as a window [lo, hi] of 32-bit words (every word below lo is full, every
// word above hi is empty): in a long history only the concurrency window
// differs between configurations, so entries stay small (bounded memory).

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

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** A hash set of configurations keyed by a 32-bit hash, compared exactly on collision. */
export class SearchCache<State> {
  private readonly buckets = new Map<number, CacheEntry<State>[]>();
  private count = 0;

  constructor(private readonly equal: (a: State, b: State) => boolean) {}

  /** Number of configurations stored. */
  get size(): number {
    return this.count;
  }

  /** Adds the configuration; returns false when it was already present. */
  add(hash: number, required: BitsetView, unknownWords: Uint32Array, state: State): boolean {
    const hi = Math.max(required.hi, required.lo - 1);
    const bucket = this.buckets.get(hash);
    if (bucket !== undefined) {
      for (const entry of bucket) {
        if (entry.lo !== required.lo || entry.window.length !== hi - required.lo + 1) continue;
        if (!this.equal(entry.state, state)) continue;
        if (!sameWindow(entry.window, required.words, required.lo)) continue;
        if (sameWords(entry.unknownWords, unknownWords)) return false;
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
    return true;
  }
}

function sameWindow(window: Uint32Array, words: Uint32Array, lo: number): boolean {
  for (let i = 0; i < window.length; i += 1) if (window[i] !== words[lo + i]) return false;
  return true;
}
