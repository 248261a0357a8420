/**
 * The register workload: reads, writes and compare-and-set on several
 * independent keys. Written values are unique per key (a per-key counter), so
 * a read identifies the write it observed; cas moves a key from a value it
 * may hold to a fresh one. Checked per key as a cas-register whose initial
 * value is absent.
 */
import { eachThread, generator, mix, repeatedly } from '../harness/generator/index.js';
import type { Maker, Random } from '../harness/generator/index.js';
import type { ClientOp, Workload, WorkloadOptions } from '../harness/workload/index.js';

/** Op mix weights of the main phase. */
export const registerMix = Object.freeze({ read: 2, write: 1, cas: 1 });

/** Key names `k0` … `k<n-1>`. */
export function registerKeys(keys: number): string[] {
  if (!Number.isInteger(keys) || keys < 1) throw new RangeError(`keys must be a positive integer, got ${keys}`);
  return Array.from({ length: keys }, (_, i) => `k${i}`);
}

function mainOps(options: WorkloadOptions): Maker<ClientOp> {
  const keys = registerKeys(options.keys);
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

/** The register workload object. */
export const registerWorkload: Workload = Object.freeze({
  name: 'register',
  description: 'reads, writes and compare-and-set on independent keys (cas-register per key, values unique per key)',
  model: 'cas-register' as const,
  ops: (options: WorkloadOptions) => generator<ClientOp>(function* (context, startMs) {
    return yield* repeatedly(mainOps(options)).events(context, startMs);
  }),
  finalOps: (options: WorkloadOptions) =>
    eachThread<ClientOp>((thread) =>
      generator<ClientOp>(function* (context, startMs) {
        // Each thread reads a share of the keys, so every key gets a final read.
        const keys = registerKeys(options.keys).filter((_, i) => i % context.threads === thread);
        for (const key of keys) yield { atMs: startMs, value: { f: 'read', key, value: null } };
        return startMs;
      }),
    ),
});
