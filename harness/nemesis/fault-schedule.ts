/**
 * The nemesis schedule as a generator: quiet for an interval, start a fault,
 * hold it for an interval, end it, repeat. Faults come in rounds: each round
 * is a seeded shuffle of every enabled fault, so every requested kind runs
 * once per round — a run whose time limit fits one round (see
 * `defaultNemesisIntervalMs`) runs every kind at least once, spread over the
 * run, instead of whatever a random pick happened to choose. Pure: the seed
 * decides the order, the nodes and the times.
 */
import { generator } from '../generator/event-generator.js';
import type { EventGenerator } from '../generator/event-generator.js';
import { planFault } from './fault-catalogue.js';
import type { FaultName, FaultTuning } from './fault-catalogue.js';
import type { NemesisAction } from './nemesis-action.js';

export interface FaultScheduleOptions {
  readonly faults: readonly FaultName[];
  readonly nodes: readonly string[];
  /** Quiet time before each fault and the time each fault is held. */
  readonly intervalMs: number;
  readonly tuning: FaultTuning;
}

/** Bounds of the default interval: dense, but a fault lasts long enough to matter (an election, a restart). */
export const nemesisIntervalBounds = Object.freeze({ minMs: 1_000, maxMs: 5_000 });

/** Virtual time one round of `faultCount` faults takes (each: quiet + held). */
export function roundMs(faultCount: number, intervalMs: number): number {
  return 2 * faultCount * intervalMs;
}

/** The interval that fits one round of every fault (plus a last quiet interval) into the time limit, within the bounds. */
export function defaultNemesisIntervalMs(timeLimitMs: number, faultCount: number): number {
  if (faultCount === 0) return nemesisIntervalBounds.maxMs;
  const fitting = Math.floor(timeLimitMs / (2 * faultCount + 1));
  return Math.max(nemesisIntervalBounds.minMs, Math.min(nemesisIntervalBounds.maxMs, fitting));
}

/** Faults that cannot start before `timeLimitMs` with this interval (they will not run at all). */
export function faultsBeyondTimeLimit(faultCount: number, intervalMs: number, timeLimitMs: number): number {
  // Fault i (0-based) of the first round starts at (2i + 1) · interval, and must start before the limit.
  const fitting = Math.max(0, Math.ceil((timeLimitMs / intervalMs - 1) / 2));
  return Math.max(0, faultCount - fitting);
}

/** An infinite schedule of fault start/stop actions (bound it with timeLimit). */
export function faultSchedule(options: FaultScheduleOptions): EventGenerator<NemesisAction> {
  if (!(options.intervalMs > 0))
    throw new RangeError(`nemesis interval must be positive, got ${options.intervalMs} ms`);
  return generator(function* (context, startMs) {
    if (options.faults.length === 0) return startMs;
    let atMs = startMs;
    for (;;) {
      for (const fault of context.random.shuffle(options.faults)) {
        atMs += options.intervalMs;
        const { start, stop } = planFault(fault, {
          nodes: options.nodes,
          random: context.random,
          tuning: options.tuning,
          durationMs: options.intervalMs,
        });
        yield { atMs, value: { ...start, fault } };
        atMs += options.intervalMs;
        yield { atMs, value: stop };
      }
    }
  });
}
