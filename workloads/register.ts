/**
 * The register workload: reads, writes and compare-and-set on several
 * independent keys. Written values are unique per key (a per-key counter), so
 * a read identifies the write it observed; cas moves a key from a value it
 * may hold to a fresh one. Checked per key as a cas-register whose initial
 * value is absent.
 */
import { kvClient } from '../harness/client/index.js';
import {
  faultsChecker,
  linearizabilityChecker,
  nodeExitsChecker,
  recoveryChecker,
  runChecker,
  statsChecker,
} from '../harness/checking/index.js';
import type { Checker, RunArtifacts } from '../harness/checking/index.js';
import { eachThread, generator, mix, repeatedly } from '../harness/generator/index.js';
import type { Maker, Random } from '../harness/generator/index.js';
import { testDefaults } from '../harness/runner/index.js';
import type { ClientOp, FinalEvent, Workload, WorkloadOptions } from '../harness/workload/index.js';

/** Op mix weights of the main phase. */
export const registerMix = Object.freeze({ read: 2, write: 1, cas: 1 });

/** The client ops the linearizability checker judges (as a cas-register per key). */
export const registerFs: readonly string[] = ['read', 'write', 'cas'];

/** Key names `k0` … `k<n-1>`. */
export function registerKeys(keys: number): string[] {
  if (!Number.isInteger(keys) || keys < 1) throw new RangeError(`keys must be a positive integer, got ${keys}`);
  return Array.from({ length: keys }, (_, i) => `k${i}`);
}

/** Makers of register ops over `keys`, with values unique per key. */
export function registerOps(keys: readonly string[]): Maker<ClientOp> {
  // Per-key counter: the plan is generated once, in order, so values stay unique per key.
  const written = new Map<string, number>();
  const nextValue = (key: string): number => {
    const value = (written.get(key) ?? 0) + 1;
    written.set(key, value);
    return value;
  };
  const read: Maker<ClientOp> = (random: Random) => ({ f: 'read', key: random.pick(keys), value: null });
  const write: Maker<ClientOp> = (random: Random) => {
    const key = random.pick(keys);
    return { f: 'write', key, value: nextValue(key) };
  };
  const cas: Maker<ClientOp> = (random: Random) => {
    const key = random.pick(keys);
    const current = written.get(key) ?? 0;
    // Expect a recent value (or absent via null when nothing was written yet).
    const expected = current === 0 ? null : Math.max(1, current - random.int(2));
    return { f: 'cas', key, value: [expected, nextValue(key)] };
  };
  return mix([read, write, cas], [registerMix.read, registerMix.write, registerMix.cas]);
}

/** A final phase in which each thread reads a share of `keys`, so every key gets a final read. */
export function finalReads(keys: readonly string[]) {
  return eachThread<FinalEvent>((thread) =>
    generator<FinalEvent>(function* (context, startMs) {
      for (const key of keys.filter((_, i) => i % context.threads === thread))
        yield { atMs: startMs, value: { kind: 'op', op: { f: 'read', key, value: null } } };
      return startMs;
    }),
  );
}

/** The checker budget of a run (from its config). */
export const checkerBudgetOf = (run: RunArtifacts): number =>
  (run.test.config as { checkerBudgetMs?: number }).checkerBudgetMs ?? testDefaults.checkerBudgetMs;

/** The checkers every key-value workload runs. */
export function registerCheckers(): Checker[] {
  return [
    linearizabilityChecker({ model: 'cas-register', fs: registerFs, budgetMs: checkerBudgetOf }),
    statsChecker,
    recoveryChecker,
    nodeExitsChecker,
    faultsChecker,
    runChecker,
  ];
}

/** The register workload object. */
export const registerWorkload: Workload = Object.freeze({
  name: 'register',
  description: 'reads, writes and compare-and-set on independent keys (cas-register per key, values unique per key)',
  client: kvClient,
  generator: (options: WorkloadOptions) => {
    const keys = registerKeys(options.keys);
    return generator<ClientOp>(function* (context, startMs) {
      return yield* repeatedly(registerOps(keys)).events(context, startMs);
    });
  },
  final: (options: WorkloadOptions) => finalReads(registerKeys(options.keys)),
  checkers: () => registerCheckers(),
});
