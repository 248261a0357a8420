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

/**
 * True when the stored set (all ones below word `lo`, then the window
 * arena[offset…offset+length), zeros above) is a subset of `b`, whose words
 * below `bLo` are all ones.
 */
function isSubsetAt(
  arena: Int32Array,
  offset: number,
  length: number,
  lo: number,
  b: Int32Array,
  bLo: number,
): boolean {
  if (bLo < lo) return false;
  for (let i = Math.min(length, bLo - lo); i < length; i += 1)
    if (((arena[offset + i] ?? 0) & ~(b[lo + i] ?? 0)) !== 0) return false;
  return true;
}

/** Memoized configurations left to all the searches of one check (bounds memory). */
export interface CacheAllowance {
  /** Entries left. */
  remaining: number;
  /** Estimated bytes left (see entryBytesFixed). */
  bytesRemaining: number;
}

/** State equality, as the model defines it. */
export interface StateEquality<State> {
  equal(a: State, b: State): boolean;
}

/**
 * Bytes charged per entry besides its bitset words: seven 4-byte columns (in
 * a stride of eight), a bucket share, the state's array slot and an allowance
 * for the state object itself (interned register ids are free; a kv state is a
 * small object over a shared string). Typed arrays grow by doubling, so real
 * use may be up to twice the columns' share.
 */
const entryBytesFixed = 32 + 8 + 8 + 64;

// Small to start with: most partitions of small histories memoize a few dozen
// configurations, and a check allocates two caches per partition.
const initialEntries = 64;
const initialBuckets = 64;

// The columns of an entry in `meta` (a stride of eight int32s).
const stride = 8;
const hashColumn = 0;
const loColumn = 1;
const offsetColumn = 2;
const lengthColumn = 3;
const chainColumn = 4;
const unknownLoColumn = 5;
const unknownLengthColumn = 6;

/**
 * A hash set of configurations keyed by a 32-bit hash, compared exactly on
 * collision. Entries live in typed arrays (an arena of bitset words plus one
 * array of per-entry columns, chained buckets): hundreds of thousands of small
 * typed arrays or objects would spend most of the search in the garbage
 * collector.
 */
export class SearchCache<State> {
  private arena: Int32Array = new Int32Array(256);
  private arenaUsed = 0;
  private meta: Int32Array = new Int32Array(initialEntries * stride);
  private states: State[] = [];
  private buckets: Int32Array = new Int32Array(initialBuckets).fill(-1);
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly equality: StateEquality<State>,
    private readonly allowance: CacheAllowance,
  ) {}

  /** Number of configurations stored. */
  get size(): number {
    return this.count;
  }

  /** Returns this cache's entries to the allowance and frees them (the search is over). */
  release(): void {
    this.allowance.remaining += this.count;
    this.allowance.bytesRemaining += this.bytes;
    this.bytes = 0;
    this.arena = new Int32Array(0);
    this.meta = new Int32Array(0);
    this.states = [];
    this.count = 0;
  }

  /**
   * Adds the configuration (the completed set's words with its [lo, hi]
   * window, the unknown set's words with its non-zero window, the state);
   * returns false when it (or one dominating it) was already present.
   */
  add(
    hash: number,
    words: Int32Array,
    lo: number,
    hi: number,
    unknownWords: Int32Array,
    unknownLo: number,
    unknownHi: number,
    state: State,
  ): boolean {
    const length = Math.max(hi, lo - 1) - lo + 1;
    const arena = this.arena;
    const meta = this.meta;
    for (
      let e = this.buckets[hash & (this.buckets.length - 1)] ?? -1;
      e !== -1;
      e = meta[e * stride + chainColumn] ?? -1
    ) {
      const base = e * stride;
      if (meta[base + hashColumn] !== hash || meta[base + loColumn] !== lo || meta[base + lengthColumn] !== length)
        continue;
      const offset = meta[base + offsetColumn] ?? 0;
      let same = true;
      for (let i = 0; i < length && same; i += 1) same = arena[offset + i] === words[lo + i];
      if (!same || !this.equality.equal(this.states[e] as State, state)) continue;
      if (
        isSubsetAt(
          arena,
          offset + length,
          meta[base + unknownLengthColumn] ?? 0,
          meta[base + unknownLoColumn] ?? 0,
          unknownWords,
          unknownLo,
        )
      )
        return false;
    }
    this.insert(hash, lo, length, words, unknownWords, unknownLo, unknownHi, state);
    return true;
  }

  private insert(
    hash: number,
    lo: number,
    length: number,
    words: Int32Array,
    unknownWords: Int32Array,
    unknownLo: number,
    unknownHi: number,
    state: State,
  ): void {
    const e = this.count;
    const base = e * stride;
    if (base + stride > this.meta.length) {
      const bigger = new Int32Array(Math.max(2 * this.meta.length, base + stride));
      bigger.set(this.meta);
      this.meta = bigger;
    }
    // The unknown set is stored as a window too (ones below it, zeros above).
    const unknownLength = Math.max(unknownHi, unknownLo - 1) - unknownLo + 1;
    const offset = this.arenaUsed;
    const used = offset + length + unknownLength;
    if (used > this.arena.length) {
      let size = 2 * this.arena.length;
      while (size < used) size *= 2;
      const bigger = new Int32Array(size);
      bigger.set(this.arena);
      this.arena = bigger;
    }
    // Copied word by word: these windows are a few words, and a subarray view per insert is garbage.
    const arena = this.arena;
    for (let i = 0; i < length; i += 1) arena[offset + i] = words[lo + i] ?? 0;
    for (let i = 0; i < unknownLength; i += 1) arena[offset + length + i] = unknownWords[unknownLo + i] ?? 0;
    this.arenaUsed = used;
    const meta = this.meta;
    const bucket = hash & (this.buckets.length - 1);
    meta[base + hashColumn] = hash;
    meta[base + loColumn] = lo;
    meta[base + offsetColumn] = offset;
    meta[base + lengthColumn] = length;
    meta[base + chainColumn] = this.buckets[bucket] ?? -1;
    meta[base + unknownLoColumn] = unknownLo;
    meta[base + unknownLengthColumn] = unknownLength;
    this.buckets[bucket] = e;
    this.states.push(state);
    this.count = e + 1;
    this.allowance.remaining -= 1;
    const bytes = entryBytesFixed + 4 * (length + unknownLength);
    this.bytes += bytes;
    this.allowance.bytesRemaining -= bytes;
    if (this.count > this.buckets.length * 2) this.rehash();
  }

  private rehash(): void {
    const buckets = new Int32Array(this.buckets.length * 4).fill(-1);
    const mask = buckets.length - 1;
    const meta = this.meta;
    for (let e = 0; e < this.count; e += 1) {
      const base = e * stride;
      const bucket = (meta[base + hashColumn] ?? 0) & mask;
      meta[base + chainColumn] = buckets[bucket] ?? -1;
      buckets[bucket] = e;
    }
    this.buckets = buckets;
  }
}
