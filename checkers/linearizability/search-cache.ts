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
function isSubsetAt(arena: Uint32Array, offset: number, length: number, lo: number, b: Uint32Array, bLo: number): boolean {
  if (bLo < lo) return false;
  for (let i = Math.min(length, bLo - lo); i < length; i += 1) if (((arena[offset + i] ?? 0) & ~(b[lo + i] ?? 0)) !== 0) return false;
  return true;
}

/** Memoized configurations left to all the searches of one check (bounds memory). */
export interface CacheAllowance {
  /** Entries left. */
  remaining: number;
  /** Estimated bytes left (see entryBytesFixed). */
  bytesRemaining: number;
}

/**
 * Bytes charged per entry besides its bitset words: seven 4-byte columns, a
 * bucket share, the state's array slot and an allowance for the state object
 * itself (interned register ids are free; a kv state is a small object over a
 * shared string). Typed arrays grow by doubling, so real use may be up to
 * twice the columns' share.
 */
const entryBytesFixed = 28 + 8 + 8 + 64;

/** Grows a typed array to at least `size` elements (doubling), keeping its contents. */
function grown<T extends Int32Array | Uint32Array>(array: T, size: number, make: (length: number) => T): T {
  if (size <= array.length) return array;
  let length = array.length * 2;
  while (length < size) length *= 2;
  const bigger = make(length);
  bigger.set(array);
  return bigger;
}

// Small to start with: most partitions of small histories memoize a few dozen
// configurations, and a check allocates two caches per partition.
const initialEntries = 64;
const initialBuckets = 64;

/**
 * A hash set of configurations keyed by a 32-bit hash, compared exactly on
 * collision. Entries live in typed arrays (an arena of bitset words plus
 * per-entry columns, chained buckets): hundreds of thousands of small typed
 * arrays or objects would spend most of the search in the garbage collector.
 */
export class SearchCache<State> {
  private arena: Uint32Array = new Uint32Array(256);
  private arenaUsed = 0;
  private hashes: Int32Array = new Int32Array(initialEntries);
  private los: Int32Array = new Int32Array(initialEntries);
  private offsets: Int32Array = new Int32Array(initialEntries);
  private lengths: Int32Array = new Int32Array(initialEntries);
  private chain: Int32Array = new Int32Array(initialEntries);
  private unknownLos: Int32Array = new Int32Array(initialEntries);
  private unknownLengths: Int32Array = new Int32Array(initialEntries);
  private states: State[] = [];
  private buckets: Int32Array = new Int32Array(initialBuckets).fill(-1);
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly equal: (a: State, b: State) => boolean,
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
    this.arena = new Uint32Array(0);
    this.states = [];
    this.count = 0;
  }

  /**
   * Adds the configuration (the completed set's words with its [lo, hi]
   * window, the unknown set's words with its non-zero window, the state);
   * returns false when it (or one dominating it) was already present.
   */
  add(hash: number, words: Uint32Array, lo: number, hi: number, unknownWords: Uint32Array, unknownLo: number, unknownHi: number, state: State): boolean {
    const length = Math.max(hi, lo - 1) - lo + 1;
    const arena = this.arena;
    for (let e = this.buckets[hash & (this.buckets.length - 1)] ?? -1; e !== -1; e = this.chain[e] ?? -1) {
      if (this.hashes[e] !== hash || this.los[e] !== lo || this.lengths[e] !== length) continue;
      const offset = this.offsets[e] ?? 0;
      let same = true;
      for (let i = 0; i < length && same; i += 1) same = arena[offset + i] === words[lo + i];
      if (!same || !this.equal(this.states[e] as State, state)) continue;
      if (isSubsetAt(arena, offset + length, this.unknownLengths[e] ?? 0, this.unknownLos[e] ?? 0, unknownWords, unknownLo)) return false;
    }
    this.insert(hash, lo, length, words, unknownWords, unknownLo, unknownHi, state);
    return true;
  }

  private insert(hash: number, lo: number, length: number, words: Uint32Array, unknownWords: Uint32Array, unknownLo: number, unknownHi: number, state: State): void {
    const e = this.count;
    if (e >= this.hashes.length) {
      const size = e + 1;
      const makeInt = (n: number): Int32Array => new Int32Array(n);
      this.hashes = grown(this.hashes, size, makeInt);
      this.los = grown(this.los, size, makeInt);
      this.offsets = grown(this.offsets, size, makeInt);
      this.lengths = grown(this.lengths, size, makeInt);
      this.chain = grown(this.chain, size, makeInt);
      this.unknownLos = grown(this.unknownLos, size, makeInt);
      this.unknownLengths = grown(this.unknownLengths, size, makeInt);
    }
    // The unknown set is stored as a window too (ones below it, zeros above).
    const unknownLength = Math.max(unknownHi, unknownLo - 1) - unknownLo + 1;
    const offset = this.arenaUsed;
    this.arena = grown(this.arena, offset + length + unknownLength, (n) => new Uint32Array(n));
    // Copied word by word: these windows are a few words, and a subarray view per insert is garbage.
    const arena = this.arena;
    for (let i = 0; i < length; i += 1) arena[offset + i] = words[lo + i] ?? 0;
    for (let i = 0; i < unknownLength; i += 1) arena[offset + length + i] = unknownWords[unknownLo + i] ?? 0;
    this.arenaUsed = offset + length + unknownLength;
    this.unknownLos[e] = unknownLo;
    this.unknownLengths[e] = unknownLength;
    this.hashes[e] = hash;
    this.los[e] = lo;
    this.offsets[e] = offset;
    this.lengths[e] = length;
    this.states.push(state);
    const bucket = hash & (this.buckets.length - 1);
    this.chain[e] = this.buckets[bucket] ?? -1;
    this.buckets[bucket] = e;
    this.count += 1;
    this.allowance.remaining -= 1;
    const bytes = entryBytesFixed + 4 * (length + unknownLength);
    this.bytes += bytes;
    this.allowance.bytesRemaining -= bytes;
    if (this.count > this.buckets.length * 2) this.rehash();
  }

  private rehash(): void {
    const buckets = new Int32Array(this.buckets.length * 4).fill(-1);
    const mask = buckets.length - 1;
    for (let e = 0; e < this.count; e += 1) {
      const bucket = (this.hashes[e] ?? 0) & mask;
      this.chain[e] = buckets[bucket] ?? -1;
      buckets[bucket] = e;
    }
    this.buckets = buckets;
  }
}
