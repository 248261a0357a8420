import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Runs `run`, which must throw, and returns the rerun command its message ends with. */
function rerunOf(run: () => void): {
  seed: number;
  path: string | undefined;
  property: string | undefined;
  command: string;
} {
  let message = '';
  try {
    run();
  } catch (error) {
    message = (error as Error).message;
  }
  const match =
    /\nRerun it: (EKV_SEED=(-?\d+)(?: EKV_PATH=([\d:]+))?(?: EKV_PROPERTY=(\d+))? npx vitest run (\S+) -t (.+))$/.exec(
      message,
    );
  if (match === null) throw new Error(`no rerun command in ${JSON.stringify(message)}`);
  return { seed: Number(match[2]), path: match[3], property: match[4], command: match[1]! };
}

const shortArrays = fc.property(fc.array(fc.integer()), (values) => values.length < 3);

describe('fast-check seeds', () => {
  it('a failing property names its seed, its path and the command that reruns this test', () => {
    const rerun = rerunOf(() => fc.assert(shortArrays));
    expect(rerun.seed).toBe(fc.readConfigureGlobal().seed);
    expect(rerun.property).toBeUndefined();
    expect(rerun.command).toContain(
      `npx vitest run test-support/fast-check-seed.test.ts -t 'fast-check seeds a failing property names its seed, its path and the command that reruns this test'`,
    );
    // The seed and path replay the shrunk counterexample directly.
    const replayed = fc.check(shortArrays, { seed: rerun.seed, path: rerun.path! });
    expect(replayed.failed).toBe(true);
    expect(replayed.numRuns).toBe(1);
    expect(replayed.counterexample).toEqual([[0, 0, 0]]);
  });

  it('names which fc.assert of the test the path belongs to when it is not the first', () => {
    fc.assert(fc.property(fc.integer(), (n) => Number.isInteger(n)));
    const rerun = rerunOf(() => fc.assert(shortArrays));
    expect(rerun.property).toBe('2');
  });

  it('gives every property of a test the same seed, and each test a seed of its own', () => {
    const seeds: number[] = [];
    fc.assert(
      fc.property(fc.integer(), () => true),
      { reporter: (details) => void seeds.push(details.seed) },
    );
    fc.assert(
      fc.property(fc.integer(), () => true),
      { reporter: (details) => void seeds.push(details.seed) },
    );
    expect(seeds).toEqual([fc.readConfigureGlobal().seed, fc.readConfigureGlobal().seed]);
  });

  it('an async property reports through the same reporter', async () => {
    const failing = fc.asyncProperty(fc.integer({ min: 0, max: 100 }), async (n) => n < 50);
    const error = await fc.assert(failing).then(
      () => null,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/\nRerun it: EKV_SEED=-?\d+ EKV_PATH=[\d:]+ npx vitest run /);
  });
});
