/**
 * The nemesis schedule as a generator: quiet for an interval, start a random
 * fault from the enabled set, hold it for an interval, end it, repeat. Pure:
 * the seed decides which faults, which nodes and when.
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

/** An infinite schedule of fault start/stop actions (bound it with timeLimit). */
export function faultSchedule(options: FaultScheduleOptions): EventGenerator<NemesisAction> {
  if (!(options.intervalMs > 0)) throw new RangeError(`nemesis interval must be positive, got ${options.intervalMs} ms`);
  return generator(function* (context, startMs) {
    if (options.faults.length === 0) return startMs;
    let atMs = startMs;
    for (;;) {
      atMs += options.intervalMs;
      const fault = context.random.pick(options.faults);
      const { start, stop } = planFault(fault, { nodes: options.nodes, random: context.random, tuning: options.tuning, durationMs: options.intervalMs });
      yield { atMs, value: start };
      atMs += options.intervalMs;
      yield { atMs, value: stop };
    }
  });
}
