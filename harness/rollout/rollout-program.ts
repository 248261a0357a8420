/**
 * The rollout program: the operator's steps in order, each with its retry
 * policy, the faults aimed at it, and the fault kinds held off around it.
 * It is data (written into plan.jsonl), built from the seed before the run,
 * so a run's rollout replays exactly and a failing plan can be shrunk step by
 * step. The rollout process (rollout-runner.ts) executes it reactively: each
 * step starts only when the one before it has completed (Jepsen's generator
 * `update`), an `info` is followed by an operator-style check-then-retry, and
 * `await` steps wait for a condition with a bound.
 */
import type { FaultCapability, NemesisAction } from '../nemesis/index.js';
import type { RolloutAction } from './rollout-action.js';

/** When a step is retried. */
export interface RetryPolicy {
  /** Attempts in total (1 = no retry). */
  readonly attemptsMax: number;
  /** Wait between attempts. */
  readonly backoffMs: number;
}

/** A fault aimed at a step: started `delayMs` after the step's invoke (or ok), ended `holdMs` later. */
export interface StepTrigger {
  readonly on: 'invoke' | 'ok';
  readonly delayMs: number;
  /** The fault; a `{ stepNode: true }` target means the node the step's RPC went to. */
  readonly start: NemesisAction;
  readonly stop: NemesisAction;
  readonly holdMs: number;
}

/**
 * A request the spec says the node must refuse (an operator's mistake, or a
 * crafted request a careless client could send): the step is done when one
 * attempt is refused with one of `errors`; an ok means the node accepted what
 * it must not, and the history says so (the invoke carries this record as
 * `mustBeRefused`, which the checkers read: checkers/encryption/expected-refusals.ts).
 */
export interface ExpectedRefusal {
  /** Error names of a correct refusal (definite failures). */
  readonly errors: readonly string[];
  /** What breaks when the node accepts it (bug-catalogue.md §10.A), for the finding. */
  readonly invariant: string;
  /** Why it must be refused, in one sentence. */
  readonly why: string;
}

/**
 * A request sent together with a step, as a second operator or client would
 * (two Enable calls at once, a RotateDEK racing a cutover): started
 * `delayMs` after the step's start, run with the step's retry policy as a
 * step of its own (id `<step>+<k>`, no triggers, no holds); the program
 * goes on once the step and all its companions are done.
 */
export interface CompanionRequest {
  readonly action: RolloutAction;
  readonly delayMs: number;
}

/** One step of the program. */
export interface RolloutStep {
  /** Stable id (`s1`, `s2`, …): history invokes carry it, triggers and conditions name it. */
  readonly id: string;
  readonly action: RolloutAction;
  /** Quiet time before the step starts (after the previous step completed). */
  readonly pauseBeforeMs: number;
  readonly retry: RetryPolicy;
  /**
   * Fault kinds the random nemesis must not start from this step's invoke until
   * the end of the next `await` step (or this step's end when none follows),
   * and that must have ended before this step starts. The spec's operator
   * rules need it: a node restarted between a storage cutover or rotation and
   * its own registration for the new DEK refuses every later start (§8.2).
   */
  readonly holdFaults: readonly FaultCapability[];
  readonly triggers: readonly StepTrigger[];
  /** Set for a request the node must refuse: the refusal completes the step. */
  readonly mustBeRefused?: ExpectedRefusal;
  /** Requests sent concurrently with this step. */
  readonly alongside?: readonly CompanionRequest[];
}

/** The whole program. */
export interface RolloutProgram {
  readonly steps: readonly RolloutStep[];
}

/** Defaults of the rollout process (one place; written to test.json with the config). */
export const rolloutDefaults = Object.freeze({
  /** Deadline of one admin RPC (cutovers wait for a barrier and an apply). */
  stepRpcTimeoutMs: 15_000,
  retry: Object.freeze<RetryPolicy>({ attemptsMax: 20, backoffMs: 500 }),
  /** How often an `await` re-evaluates its condition. */
  conditionPollMs: 200,
  /** How long a step waits for held fault kinds to end before it starts anyway (and says so). */
  holdWaitMaxMs: 30_000,
  /** After an ambiguous raft cutover, how long the remedy waits once the network healed before it restarts the latched leader. */
  remedySettleMs: 2_000,
});

/** Checks a program read back from plan.jsonl (ids unique, triggers sane); throws naming the step. */
export function validateProgram(program: RolloutProgram): void {
  const ids = new Set<string>();
  for (const step of program.steps) {
    if (ids.has(step.id)) throw new RangeError(`rollout step id ${step.id} is used twice`);
    ids.add(step.id);
    if (!(step.retry.attemptsMax >= 1)) throw new RangeError(`rollout step ${step.id}: attemptsMax must be at least 1`);
    if (!(step.pauseBeforeMs >= 0)) throw new RangeError(`rollout step ${step.id}: pauseBeforeMs must be non-negative`);
    for (const trigger of step.triggers)
      if (!(trigger.delayMs >= 0 && trigger.holdMs >= 0))
        throw new RangeError(`rollout step ${step.id}: trigger delays must be non-negative`);
    if (step.mustBeRefused !== undefined && step.mustBeRefused.errors.length === 0)
      throw new RangeError(`rollout step ${step.id}: mustBeRefused names no error`);
    for (const companion of step.alongside ?? []) {
      if (!(companion.delayMs >= 0))
        throw new RangeError(`rollout step ${step.id}: a companion request's delay must be non-negative`);
      if (companion.action.f === 'await')
        throw new RangeError(`rollout step ${step.id}: an await cannot run alongside a step`);
    }
    if (
      step.action.f === 'await' &&
      step.action.condition.kind === 'snapshot-covers' &&
      !ids.has(step.action.condition.step)
    ) {
      throw new RangeError(
        `rollout step ${step.id}: waits for a snapshot covering ${step.action.condition.step}, which is not an earlier step`,
      );
    }
  }
}
