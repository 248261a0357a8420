/**
 * The node shell's only sources of time and randomness (STYLE.md 2). Every
 * timer, timestamp and random draw of server/ goes through a {@link NodeClock}
 * and a {@link NodeRandom} handed down from the process entry, so that a
 * simulator can run a whole cluster on virtual time from one seed; the lint
 * (eslint.config.js) forbids the globals everywhere in server/ but here and
 * in the process entry.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Clock } from '../kv/index.js';

/** A pending one-shot or repeating timer. */
export interface Timer {
  /** Stops it; a no-op once it fired (one-shot) or was cancelled. */
  cancel(): void;
}

/** Wall and monotonic time, timers and sleeps. */
export interface NodeClock extends Clock {
  /** Milliseconds on a monotonic clock (durations only: no epoch). */
  monotonicMs(): number;
  /** Runs `run` once after `delayMs` (a pending timer keeps the process alive, as setTimeout's does). */
  after(delayMs: number, run: () => void): Timer;
  /** Runs `run` every `periodMs` until cancelled. */
  every(periodMs: number, run: () => void): Timer;
  /** Resolves after `delayMs`. */
  sleep(delayMs: number): Promise<void>;
}

/** Random draws of the shell (ids and jitter; key material is drawn by encryption/). */
export interface NodeRandom {
  /** A uniformly random integer in [0, 2^32). */
  nextUint32(): number;
  /** A uniformly random number in [0, 1). */
  nextFloat(): number;
  /** A random RFC 4122 version-4 UUID. */
  uuid(): string;
}

/** The process's clocks and timers. */
export const systemClock: NodeClock = Object.freeze({
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  after(delayMs: number, run: () => void): Timer {
    const handle = setTimeout(run, delayMs);
    return { cancel: () => clearTimeout(handle) };
  },
  every(periodMs: number, run: () => void): Timer {
    const handle = setInterval(run, periodMs);
    return { cancel: () => clearInterval(handle) };
  },
  sleep: (delayMs: number) =>
    new Promise<void>((resolve) => {
      setTimeout(resolve, delayMs);
    }),
});

/** Randomness from node:crypto (ids) and V8 (jitter). */
export const cryptoRandom: NodeRandom = Object.freeze({
  nextUint32: () => randomInt(0, 2 ** 32),
  // Election jitter only (not key material): V8's generator, as RawNode used before the injection.
  nextFloat: () => Math.random(),
  uuid: () => randomUUID(),
});
