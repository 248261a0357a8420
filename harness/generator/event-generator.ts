/**
 * Generators are pure values (STYLE.md 9): an `EventGenerator` describes a
 * stream of events in virtual time. Running it with a seeded context yields
 * the same events every time, so the whole plan of a test is computed (and
 * written to plan.jsonl) before anything runs.
 */
import type { Random } from './random.js';

/** One event of a generator at a virtual time. */
export interface Timed<T> {
  /** Milliseconds since the start of the test, in virtual time. */
  readonly atMs: number;
  readonly value: T;
  /** Set by `onThread`/`eachThread`: the client thread that must run it. */
  readonly thread?: number;
}

export interface GeneratorContext {
  readonly random: Random;
  /** Number of client threads (the test's concurrency). */
  readonly threads: number;
}

/**
 * A replayable event stream. `events` yields events in non-decreasing
 * `atMs` from `startMs` and returns the virtual time at which it ends (so
 * that `phases` can start the next one). Infinite generators never return
 * and must be bounded by `timeLimit` or `limit`.
 */
export interface EventGenerator<T> {
  events(context: GeneratorContext, startMs: number): Generator<Timed<T>, number, undefined>;
}

/** Makes an EventGenerator from a generator function. */
export function generator<T>(events: EventGenerator<T>['events']): EventGenerator<T> {
  return { events };
}

/** Runs a (finite) generator to completion; refuses to produce more than `eventsMax` events. */
export function runGenerator<T>(
  source: EventGenerator<T>,
  context: GeneratorContext,
  options: { readonly startMs?: number; readonly eventsMax: number },
): { readonly events: readonly Timed<T>[]; readonly endMs: number } {
  const events: Timed<T>[] = [];
  const iterator = source.events(context, options.startMs ?? 0);
  let lastMs = -Infinity;
  for (;;) {
    const step = iterator.next();
    if (step.done === true) return { events, endMs: step.value };
    if (step.value.atMs < lastMs) throw new Error(`generator went back in time: ${step.value.atMs} < ${lastMs}`);
    lastMs = step.value.atMs;
    events.push(step.value);
    if (events.length > options.eventsMax) {
      throw new RangeError(
        `generator produced more than ${options.eventsMax} events: bound it with timeLimit or limit`,
      );
    }
  }
}
