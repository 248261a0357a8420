/**
 * A catalogued bug as the bug matrix runs it: the switch, the scenario and
 * options that expose it, the checkers that must say INVALID, and the share
 * of seeds that must catch it. A hazard (catalogue §10.C) has no switch: the
 * correct node reproduces it, so its runs go without `--bug` and there is no
 * control to compare with.
 */

export interface BugCase {
  /** The catalogue id (`B7`, `E14`, `H5`). */
  readonly id: string;
  /** One line: what the bug is. */
  readonly summary: string;
  /** The scenario that exposes it (`ekv-jepsen scenarios`). */
  readonly scenario: string;
  /** Options added to `ekv-jepsen test --scenario <scenario>` (the control runs with the same). */
  readonly options: readonly string[];
  /** The run must be INVALID by at least one of these checkers. */
  readonly caughtBy: readonly string[];
  /** The share of seeds (0, 1] that must catch it for the matrix to pass. */
  readonly detectedShare: number;
  /** True for a hazard of the design: the correct node reproduces it; runs go without --bug. */
  readonly hazard?: boolean;
}

/** The registry the launcher wires in (harness/ may not import workloads/). */
export type BugCaseRegistry = ReadonlyMap<string, BugCase>;

/** The first seed of every matrix (the one the test suite runs), then the next ones. */
export const matrixFirstSeed = 101;

/** `count` seeds starting at the suite's. */
export function seedsOf(count: number): number[] {
  return Array.from({ length: count }, (_, i) => matrixFirstSeed + i);
}

/** A shard `i/n` (1-based): which part of the cases this runner takes. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `--shard i/n`; throws naming what is wrong. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match === null) throw new Error(`--shard: expected I/N (e.g. 2/4), got "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 1000) throw new Error(`--shard: N must be in 1..1000, got ${count}`);
  if (index < 1 || index > count) throw new Error(`--shard: I must be in 1..${count}, got ${index}`);
  return { index, count };
}

/** The cases of one shard: cases sorted by id, every n-th from the i-th, so shards are disjoint and cover all. */
export function shardOf<T extends { readonly id: string }>(cases: readonly T[], shard: Shard): T[] {
  return [...cases].sort((a, b) => compareIds(a.id, b.id)).filter((_, i) => i % shard.count === shard.index - 1);
}

/** Catalogue order: the letter, then the number (B3 < B11 < E1 < H5). */
export function compareIds(a: string, b: string): number {
  const key = (id: string): [string, number] => {
    const match = /^([A-Z]+)(\d+)/.exec(id);
    return match === null ? [id, 0] : [match[1] as string, Number(match[2])];
  };
  const [la, na] = key(a);
  const [lb, nb] = key(b);
  return la === lb ? na - nb || a.localeCompare(b) : la.localeCompare(lb);
}
