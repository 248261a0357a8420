/**
 * Builds a rollout program step by step, the way a scenario reads: each call
 * appends a step with the next id (`s1`, `s2`, …), a seeded quiet pause
 * before it, and the default retry policy; the returned id lets later steps
 * and conditions name it. Pure: the same seed gives the same program.
 */
import type { Random } from '../generator/random.js';
import type { FaultCapability } from '../nemesis/index.js';
import type { RolloutAction } from '../rollout/rollout-action.js';
import { rolloutDefaults, validateProgram } from '../rollout/rollout-program.js';
import type {
  CompanionRequest,
  ExpectedRefusal,
  RetryPolicy,
  RolloutProgram,
  RolloutStep,
  StepTrigger,
} from '../rollout/rollout-program.js';

export interface StepOptions {
  /** Exact pause before the step (default: seeded, within the builder's pause range). */
  readonly pauseBeforeMs?: number;
  readonly holdFaults?: readonly FaultCapability[];
  readonly triggers?: readonly StepTrigger[];
  readonly retry?: RetryPolicy;
  /** A request the node must refuse (the refusal completes the step). */
  readonly mustBeRefused?: ExpectedRefusal;
  /** Requests sent concurrently with the step. */
  readonly alongside?: readonly CompanionRequest[];
}

export class ProgramBuilder {
  private readonly steps: RolloutStep[] = [];

  /** `pauseMs`: the range a step's quiet pause is drawn from, so client load runs between steps. */
  constructor(
    private readonly random: Random,
    private readonly pauseMs: { readonly min: number; readonly max: number } = { min: 500, max: 2_500 },
  ) {}

  /** Appends a step; returns its id. */
  step(action: RolloutAction, options: StepOptions = {}): string {
    const id = `s${this.steps.length + 1}`;
    const span = this.pauseMs.max - this.pauseMs.min;
    this.steps.push({
      id,
      action,
      pauseBeforeMs: options.pauseBeforeMs ?? this.pauseMs.min + Math.floor(this.random.float() * (span + 1)),
      retry: options.retry ?? rolloutDefaults.retry,
      holdFaults: options.holdFaults ?? [],
      triggers: options.triggers ?? [],
      ...(options.mustBeRefused === undefined ? {} : { mustBeRefused: options.mustBeRefused }),
      ...(options.alongside === undefined || options.alongside.length === 0 ? {} : { alongside: options.alongside }),
    });
    return id;
  }

  /** A wait for `condition` (no pause before it: it belongs to the step before). */
  await(condition: Extract<RolloutAction, { f: 'await' }>['condition'], boundMs: number): string {
    return this.step({ f: 'await', condition, boundMs }, { pauseBeforeMs: 0, retry: { attemptsMax: 1, backoffMs: 0 } });
  }

  /** A delay drawn from [minMs, maxMs] (for triggers). */
  delay(minMs: number, maxMs: number): number {
    return minMs + Math.floor(this.random.float() * (maxMs - minMs + 1));
  }

  /** One of the values (for seeded choices such as which node to upgrade first). */
  pick<T>(values: readonly T[]): T {
    return this.random.pick(values);
  }

  build(): RolloutProgram {
    const program = { steps: [...this.steps] };
    validateProgram(program);
    return program;
  }
}
