import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Random,
  cycle,
  delay,
  eachThread,
  limit,
  merge,
  mix,
  once,
  phases,
  rate,
  repeatedly,
  runGenerator,
  sleep,
  stagger,
  timeLimit,
} from './index.js';
import type { EventGenerator } from './index.js';

const run = <T>(gen: EventGenerator<T>, seed: number, threads = 4) =>
  runGenerator(gen, { random: new Random(seed), threads }, { eventsMax: 1_000_000 });
const counter = () => {
  let n = 0;
  return repeatedly(() => (n += 1));
};

describe('Random', () => {
  it('is deterministic from the seed, forks are independent of position', () => {
    const a = new Random(42);
    const b = new Random(42);
    const seqA = Array.from({ length: 50 }, () => a.nextUint32());
    expect(Array.from({ length: 50 }, () => b.nextUint32())).toEqual(seqA);
    expect(new Random(43).nextUint32()).not.toBe(seqA[0]);
    const forkBefore = new Random(7).fork('x').nextUint32();
    const moved = new Random(7);
    moved.nextUint32();
    expect(moved.fork('x').nextUint32()).toBe(forkBefore);
  });

  it('int stays in range and covers it', () => {
    const random = new Random(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i += 1) {
      const v = random.int(5);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(5);
      seen.add(v);
    }
    expect(seen.size).toBe(5);
    expect(() => random.int(0)).toThrow(/positive integer/);
  });
});

describe('generator combinators (virtual time)', () => {
  it('the same seed gives the same events; another seed differs', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 200 }), (seed, opsPerSecond) => {
        const gen = () =>
          timeLimit(
            5_000,
            rate(
              opsPerSecond,
              repeatedly((r) => r.int(1000)),
            ),
          );
        expect(run(gen(), seed)).toEqual(run(gen(), seed));
      }),
      { numRuns: 50 },
    );
    const gen = () =>
      timeLimit(
        5_000,
        rate(
          100,
          repeatedly((r) => r.int(1_000_000)),
        ),
      );
    expect(run(gen(), 1).events).not.toEqual(run(gen(), 2).events);
  });

  it('timeLimit cuts every event at or after the limit and ends exactly at it', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 500 }),
        (seed, limitMs, startMs) => {
          const result = runGenerator(
            timeLimit(limitMs, stagger(37, counter())),
            { random: new Random(seed), threads: 1 },
            { startMs, eventsMax: 100_000 },
          );
          expect(result.endMs).toBe(startMs + limitMs);
          for (const event of result.events) {
            expect(event.atMs).toBeGreaterThanOrEqual(startMs);
            expect(event.atMs).toBeLessThan(startMs + limitMs);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rate issues about the requested ops per second over a long window', () => {
    for (const opsPerSecond of [1, 10, 250]) {
      const { events } = run(timeLimit(100_000, rate(opsPerSecond, counter())), 9);
      const achieved = events.length / 100;
      expect(achieved).toBeGreaterThan(opsPerSecond * 0.9);
      expect(achieved).toBeLessThan(opsPerSecond * 1.1);
    }
  });

  it('delay spaces events exactly; limit counts', () => {
    const { events, endMs } = run(limit(4, delay(250, counter())), 1);
    expect(events.map((e) => e.atMs)).toEqual([0, 250, 500, 750]);
    expect(events.map((e) => e.value)).toEqual([1, 2, 3, 4]);
    expect(endMs).toBe(750);
  });

  it('phases run one after the other, sleep takes time', () => {
    const { events, endMs } = run(
      phases<string>(
        once('a'),
        sleep(100),
        once('b'),
        timeLimit(
          50,
          delay(
            20,
            repeatedly(() => 'c'),
          ),
        ),
        once('d'),
      ),
      3,
    );
    expect(events.map((e) => [e.atMs, e.value])).toEqual([
      [0, 'a'],
      [100, 'b'],
      [100, 'c'],
      [120, 'c'],
      [140, 'c'],
      [150, 'd'],
    ]);
    expect(endMs).toBe(150);
  });

  it("merge interleaves by time and one branch does not shift the other branch's draws", () => {
    const nemesis = () =>
      timeLimit(
        1_000,
        delay(
          100,
          repeatedly((r) => `f${r.int(1000)}`),
        ),
      );
    const slow = run(merge<string | number>(timeLimit(1_000, rate(5, counter())), nemesis()), 5);
    const fast = run(merge<string | number>(timeLimit(1_000, rate(500, counter())), nemesis()), 5);
    const faults = (events: typeof slow.events) => events.filter((e) => typeof e.value === 'string');
    expect(faults(fast.events)).toEqual(faults(slow.events));
    const times = fast.events.map((e) => e.atMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('cycle repeats, eachThread binds one copy per thread', () => {
    const { events } = run(timeLimit(350, cycle(phases<string>(once('x'), sleep(100)))), 1);
    expect(events.map((e) => e.atMs)).toEqual([0, 100, 200, 300]);
    const perThread = run(
      eachThread((t) => once(`t${t}`)),
      1,
      3,
    );
    expect(perThread.events.map((e) => [e.thread, e.value])).toEqual([
      [0, 't0'],
      [1, 't1'],
      [2, 't2'],
    ]);
  });

  it("eachThread interleaves events of one time round-robin, so no thread waits behind another's whole share", () => {
    const twice = (t: number) => phases(once(`t${t}a`), once(`t${t}b`));
    const { events } = run(eachThread(twice), 1, 3);
    expect(events.map((e) => e.thread)).toEqual([0, 1, 2, 0, 1, 2]);
    // merge keeps argument order on ties.
    expect(run(merge(once('a'), once('b'), once('c')), 1).events.map((e) => e.value)).toEqual(['a', 'b', 'c']);
  });

  it('mix follows the weights', () => {
    const maker = mix([() => 'a', () => 'b'], [3, 1]);
    const random = new Random(11);
    const draws = Array.from({ length: 4000 }, () => maker(random));
    const share = draws.filter((d) => d === 'a').length / draws.length;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    expect(() => mix([() => 1], [0])).toThrow(/not all zero/);
  });

  it('refuses unbounded generators and bad parameters', () => {
    expect(() => runGenerator(counter(), { random: new Random(1), threads: 1 }, { eventsMax: 100 })).toThrow(
      /more than 100 events/,
    );
    expect(() => rate(0, counter())).toThrow(/positive number of ops\/s/);
    expect(() => timeLimit(-1, counter())).toThrow(/non-negative/);
  });
});
