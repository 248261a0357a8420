/**
 * Generator combinators in the spirit of Jepsen's generator library: sources
 * (`repeatedly`, `once`, `sleep`), timing (`delay`, `stagger`, `rate`),
 * bounds (`timeLimit`, `limit`), composition (`phases`, `merge`, `cycle`) and
 * per-thread behaviour (`onThread`, `eachThread`), plus `mix` for op makers.
 * Every random choice draws from the context's seeded source; branches of a
 * `merge` get forked sources so that one branch's draws never shift another's.
 */
import { generator } from './event-generator.js';
import type { EventGenerator, GeneratorContext, Timed } from './event-generator.js';
import type { Random } from './random.js';

/** Makes one value from the seeded source. */
export type Maker<T> = (random: Random) => T;

/** An infinite stream of values, all at the start time (bound and space it with other combinators). */
export function repeatedly<T>(make: Maker<T>): EventGenerator<T> {
  return generator(function* (context, startMs) {
    for (;;) yield { atMs: startMs, value: make(context.random) };
  });
}

/** A single event at the start time. */
export function once<T>(value: T): EventGenerator<T> {
  return generator(function* (_context, startMs) {
    yield { atMs: startMs, value };
    return startMs;
  });
}

/** No events; ends `durationMs` after its start. */
export function sleep<T>(durationMs: number): EventGenerator<T> {
  assertNonNegative('sleep duration', durationMs);
  // eslint-disable-next-line require-yield -- a sleep has no events by design: it only takes virtual time
  return generator(function* (_context, startMs) {
    return startMs + durationMs;
  });
}

function retime<T>(source: EventGenerator<T>, gapMs: (random: Random) => number): EventGenerator<T> {
  return generator(function* (context, startMs) {
    const iterator = source.events(context, startMs);
    let nextMs = startMs;
    for (;;) {
      const step = iterator.next();
      if (step.done === true) return Math.max(step.value, nextMs);
      const atMs = Math.max(step.value.atMs, nextMs);
      yield { ...step.value, atMs };
      nextMs = atMs + gapMs(context.random);
    }
  });
}

/** Spaces events exactly `intervalMs` apart (the first at the start). */
export function delay<T>(intervalMs: number, source: EventGenerator<T>): EventGenerator<T> {
  assertNonNegative('delay interval', intervalMs);
  return retime(source, () => intervalMs);
}

/** Spaces events by a uniform random gap in [0, 2·meanIntervalMs): on average one per mean interval. */
export function stagger<T>(meanIntervalMs: number, source: EventGenerator<T>): EventGenerator<T> {
  assertNonNegative('stagger interval', meanIntervalMs);
  return retime(source, (random) => random.float() * 2 * meanIntervalMs);
}

/** About `opsPerSecond` events per second in total (a stagger of 1000/rate ms). */
export function rate<T>(opsPerSecond: number, source: EventGenerator<T>): EventGenerator<T> {
  if (!(opsPerSecond > 0) || !Number.isFinite(opsPerSecond))
    throw new RangeError(`rate must be a positive number of ops/s, got ${opsPerSecond}`);
  return stagger(1000 / opsPerSecond, source);
}

/** Only the events before `startMs + durationMs`; ends exactly then. */
export function timeLimit<T>(durationMs: number, source: EventGenerator<T>): EventGenerator<T> {
  assertNonNegative('time limit', durationMs);
  return generator(function* (context, startMs) {
    const endMs = startMs + durationMs;
    const iterator = source.events(context, startMs);
    for (;;) {
      const step = iterator.next();
      // Events are in non-decreasing time, so the first one past the end ends the stream.
      if (step.done === true || step.value.atMs >= endMs) return endMs;
      yield step.value;
    }
  });
}

/** At most `count` events. */
export function limit<T>(count: number, source: EventGenerator<T>): EventGenerator<T> {
  assertNonNegative('limit', count);
  return generator(function* (context, startMs) {
    const iterator = source.events(context, startMs);
    let endMs = startMs;
    for (let emitted = 0; emitted < count; emitted += 1) {
      const step = iterator.next();
      if (step.done === true) return step.value;
      endMs = step.value.atMs;
      yield step.value;
    }
    return endMs;
  });
}

/** Runs generators one after the other; each starts when the previous one ends. */
export function phases<T>(...sources: readonly EventGenerator<T>[]): EventGenerator<T> {
  return generator(function* (context, startMs) {
    let atMs = startMs;
    for (const source of sources) atMs = yield* source.events(context, atMs);
    return atMs;
  });
}

/** Repeats a finite generator forever (each repetition starts when the last ended). */
export function cycle<T>(source: EventGenerator<T>): EventGenerator<T> {
  return generator(function* (context, startMs) {
    let atMs = startMs;
    for (;;) {
      const endMs: number = yield* source.events(context, atMs);
      if (endMs <= atMs) throw new RangeError('cycle of a generator that takes no time would never advance');
      atMs = endMs;
    }
  });
}

/**
 * Interleaves generators by time (ties keep argument order); each branch draws
 * from its own forked random source. Ends when the last branch ends.
 */
export function merge<T>(...sources: readonly EventGenerator<T>[]): EventGenerator<T> {
  return interleave(sources, false);
}

/**
 * {@link merge}; with `rotate`, ties go round-robin (to the branch after the
 * one that yielded last) instead of in argument order. `eachThread` needs it:
 * its threads' events often share one time (a final phase plans its reads all
 * at once), and the runner dispatches a plan's events in order, so argument
 * order would run one thread's events to the end before the next thread's
 * first, every other thread idle.
 */
function interleave<T>(inputs: readonly EventGenerator<T>[], rotate: boolean): EventGenerator<T> {
  return generator(function* (context, startMs) {
    const branches = inputs.map((source, i) => {
      const branchContext: GeneratorContext = { ...context, random: context.random.fork(`merge-${i}`) };
      return {
        iterator: source.events(branchContext, startMs),
        head: undefined as Timed<T> | undefined,
        endMs: startMs,
        done: false,
      };
    });
    for (const branch of branches) advance(branch);
    let last = -1;
    for (;;) {
      let best = -1;
      for (let k = 0; k < branches.length; k += 1) {
        const i = rotate ? (last + 1 + k) % branches.length : k;
        const head = branches[i]?.head;
        if (head !== undefined && (best < 0 || head.atMs < (branches[best]?.head?.atMs ?? Infinity))) best = i;
      }
      const chosen = branches[best];
      if (chosen?.head === undefined) return Math.max(startMs, ...branches.map((b) => b.endMs));
      yield chosen.head;
      advance(chosen);
      last = best;
    }
  });
}

function advance<T>(branch: {
  iterator: Generator<Timed<T>, number, undefined>;
  head: Timed<T> | undefined;
  endMs: number;
}): void {
  const step = branch.iterator.next();
  if (step.done === true) {
    branch.head = undefined;
    branch.endMs = step.value;
  } else {
    branch.head = step.value;
  }
}

/** Binds every event of `source` to client thread `thread`. */
export function onThread<T>(thread: number, source: EventGenerator<T>): EventGenerator<T> {
  return generator(function* (context, startMs) {
    if (!Number.isInteger(thread) || thread < 0 || thread >= context.threads)
      throw new RangeError(`thread ${thread} out of range 0..${context.threads - 1}`);
    const iterator = source.events(context, startMs);
    for (;;) {
      const step = iterator.next();
      if (step.done === true) return step.value;
      yield { ...step.value, thread };
    }
  });
}

/** One copy of a generator per client thread, each bound to its thread, merged. */
export function eachThread<T>(make: (thread: number) => EventGenerator<T>): EventGenerator<T> {
  return generator(function* (context, startMs) {
    const perThread = Array.from({ length: context.threads }, (_, thread) => onThread(thread, make(thread)));
    return yield* interleave(perThread, true).events(context, startMs);
  });
}

/** A maker that picks one of `makers` at random, by weight (default equal). */
export function mix<T>(makers: readonly Maker<T>[], weights?: readonly number[]): Maker<T> {
  if (makers.length === 0) throw new RangeError('mix needs at least one maker');
  const w = weights ?? makers.map(() => 1);
  if (w.length !== makers.length || w.some((x) => !(x >= 0)) || w.every((x) => x === 0)) {
    throw new RangeError('mix weights must be one non-negative number per maker, not all zero');
  }
  const total = w.reduce((a, b) => a + b, 0);
  return (random) => {
    let target = random.float() * total;
    for (let i = 0; i < makers.length; i += 1) {
      target -= w[i] ?? 0;
      if (target < 0) return (makers[i] as Maker<T>)(random);
    }
    return (makers[makers.length - 1] as Maker<T>)(random);
  };
}

/** Maps event values. */
export function map<A, B>(source: EventGenerator<A>, fn: (value: A) => B): EventGenerator<B> {
  return generator(function* (context, startMs) {
    const iterator = source.events(context, startMs);
    for (;;) {
      const step = iterator.next();
      if (step.done === true) return step.value;
      yield { ...step.value, value: fn(step.value.value) };
    }
  });
}

function assertNonNegative(what: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value))
    throw new RangeError(`${what} must be a non-negative finite number, got ${value}`);
}
