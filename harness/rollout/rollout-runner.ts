/**
 * The rollout process (Jepsen's nemesis process, for the operator): runs a
 * RolloutProgram step by step and records every attempt as an op of process
 * "rollout" — invoke, then ok / fail (definite: it surely did not happen) /
 * info (it may have). It reacts to completions: the next step starts only
 * when the current one is done; a retryable refusal is retried after a
 * backoff; after an `info` the operator first checks whether the attempt took
 * effect (bootstrap, rotations, membership) before trying again, and
 * idempotent steps are simply sent again (a retried Enable must answer
 * `was_already_active` with the original index, I10). A step that exhausts
 * its attempts ends the program: the operator stops, and the availability
 * checker reports the step as unfinished.
 *
 * Faults aimed at a step (its triggers) start a fixed delay after the step's
 * invoke or ok, through the nemesis executor; fault kinds the step holds off
 * are held from before its invoke until the end of the `await` that follows
 * it.
 */
import type { OpDraft } from '../history/op.js';
import type { JsonValue } from '../history/op.js';
import type { FaultCapability, NemesisAction, NodeTarget } from '../nemesis/index.js';
import { describeAction } from './rollout-action.js';
import type { RolloutAction } from './rollout-action.js';
import { addressOf, haltedMajority, memberStatuses, requireLeader, StepRefusal } from './rollout-context.js';
import type { RolloutContext } from './rollout-context.js';
import { rolloutDefaults } from './rollout-program.js';
import type { RolloutProgram, RolloutStep, StepTrigger } from './rollout-program.js';
import { attemptAction, confirmAction } from './rollout-steps.js';
import type { AttemptMemory, AttemptResult } from './rollout-steps.js';

/** Definite refusals worth retrying: the cluster is between states (leader change, barrier, registration, a raced rotation). */
export const retryableErrors: ReadonlySet<string> = new Set([
  'NotLeader',
  'NoLeader',
  'ProposalDropped',
  'ShuttingDown',
  'Overloaded',
  'EnvelopeCutoverInProgress',
  'WriterNotRegistered',
  'MutatorsBlocked',
  'EncryptionFailedPrecondition',
  'MembershipChangeInProgress',
  'TransferFailed',
  'ReadIndexTimeout',
  'ConnectionRefused',
  'ConditionTimeout',
  'NODE_START_FAILED',
]);

/** How the program ended. */
export interface RolloutReport {
  readonly stepsCompleted: number;
  readonly stepsPlanned: number;
  /** The step that ended the program without completing, and why. */
  readonly stoppedAt: { readonly step: string; readonly action: string; readonly error: string } | null;
  readonly interrupted: boolean;
}

export interface RolloutRunnerOptions {
  readonly program: RolloutProgram;
  readonly context: RolloutContext;
  readonly record: (draft: OpDraft) => unknown;
  /** Called when a step starts (progress display). */
  readonly onStep?: (description: string) => void;
  readonly log?: (line: string) => void;
}

/** Runs the program to its end, or until a step fails for good or the signal aborts. */
export async function runRollout(options: RolloutRunnerOptions): Promise<RolloutReport> {
  const { program, context } = options;
  const triggers = new TriggerScheduler(context);
  let release: (() => void) | null = null;
  let completed = 0;
  try {
    for (const [i, step] of program.steps.entries()) {
      if (context.signal.aborted)
        return { stepsCompleted: completed, stepsPlanned: program.steps.length, stoppedAt: null, interrupted: true };
      await context.sleep(step.pauseBeforeMs);
      if (step.holdFaults.length > 0) {
        release?.();
        release = await holdFaults(step, context, options.log);
      }
      options.onStep?.(`${step.id} ${describeAction(step.action)}`);
      const outcome = await runWithCompanions(step, context, options.record, triggers);
      // A hold lasts through the await that follows its step (e.g. until every node registered), and no
      // longer: the pause before the next step is a window for the held kinds (spec §8.2 holds kills around
      // a rotation, not through a whole rollout — carried from step to step, no scheduled kill ever ran).
      const next = program.steps[i + 1];
      if (release !== null && (step.action.f === 'await' || next?.action.f !== 'await')) {
        release();
        release = null;
      }
      if (outcome !== null) {
        options.log?.(`ekv-jepsen: rollout stopped at ${step.id} (${describeAction(step.action)}): ${outcome}`);
        return {
          stepsCompleted: completed,
          stepsPlanned: program.steps.length,
          stoppedAt: { step: step.id, action: describeAction(step.action), error: outcome },
          interrupted: context.signal.aborted,
        };
      }
      completed += 1;
    }
    return { stepsCompleted: completed, stepsPlanned: program.steps.length, stoppedAt: null, interrupted: false };
  } finally {
    // Aimed faults that are still due run their course (ends included); an abort of the context's signal cancels them.
    release?.();
  }
}

/** Holds the step's fault kinds and waits (bounded) for those in effect to end. */
async function holdFaults(
  step: RolloutStep,
  context: RolloutContext,
  log?: (line: string) => void,
): Promise<() => void> {
  const release = context.nemesis.hold(step.holdFaults, `rollout step ${step.id} (${describeAction(step.action)})`);
  const deadline = context.nowMs() + rolloutDefaults.holdWaitMaxMs;
  while (context.nemesis.isActive(step.holdFaults) && !context.signal.aborted) {
    if (context.nowMs() >= deadline) {
      log?.(
        `ekv-jepsen: rollout step ${step.id} starts with ${step.holdFaults.join('/')} faults still in effect after ${rolloutDefaults.holdWaitMaxMs} ms`,
      );
      break;
    }
    await context.sleep(context.conditionPollMs);
  }
  return release;
}

/** Runs a step and the requests sent alongside it, concurrently; null when all completed, else the first reason one ended the program. */
async function runWithCompanions(
  step: RolloutStep,
  context: RolloutContext,
  record: RolloutRunnerOptions['record'],
  triggers: TriggerScheduler,
): Promise<string | null> {
  const main = runStep(step, context, record, triggers);
  const companions = (step.alongside ?? []).map(async ({ action, delayMs }, k) => {
    if (delayMs > 0) await context.sleep(delayMs);
    const companion: RolloutStep = {
      id: `${step.id}+${k + 1}`,
      action,
      pauseBeforeMs: 0,
      retry: step.retry,
      holdFaults: [],
      triggers: [],
    };
    const outcome = await runStep(companion, context, record, triggers);
    return outcome === null ? null : `${companion.id} (${describeAction(action)}, alongside): ${outcome}`;
  });
  const outcomes = await Promise.all([main, ...companions]);
  return outcomes.find((outcome) => outcome !== null) ?? null;
}

/** Runs one step's attempts; null when it completed, else why it ended the program. */
async function runStep(
  step: RolloutStep,
  context: RolloutContext,
  record: RolloutRunnerOptions['record'],
  triggers: TriggerScheduler,
): Promise<string | null> {
  const memory: AttemptMemory = { proposedDekIds: [], refusedAtStage: new Set() };
  let lastError = 'no attempt made';
  let ambiguous = false;
  for (let attempt = 1; attempt <= step.retry.attemptsMax; attempt += 1) {
    if (context.signal.aborted) return 'interrupted';
    if (attempt > 1) await context.sleep(step.retry.backoffMs);
    const parameters = { step: step.id, attempt, ...actionParameters(step.action), ...refusalParameter(step) };
    const confirmOnly = ambiguous ? await confirmAction(step.action, context, memory).catch(() => null) : null;
    record({ process: 'rollout', type: 'invoke', f: step.action.f, value: parameters, ...nodeField(memory.node) });
    if (attempt === 1) triggers.fire(step, 'invoke', memory);
    let result: AttemptResult;
    try {
      result = confirmOnly ?? (await attemptAction(step.action, context, memory));
    } catch (error) {
      const failure = classifyStepError(error, context);
      // The message goes with the name: what the node said is what a reader (and I10: "AlreadyExists") needs.
      record({
        process: 'rollout',
        type: failure.definite ? 'fail' : 'info',
        f: step.action.f,
        value: { ...parameters, message: failure.message },
        error: failure.name,
        ...nodeField(memory.node),
      });
      lastError = `${failure.name}: ${failure.message}`;
      // The refusal the spec demands is this step's expected outcome.
      if (failure.definite && step.mustBeRefused?.errors.includes(failure.name) === true) return null;
      if (needsRestart(step.action, failure) && memory.node !== undefined) {
        await restartLatched(step, attempt, memory.node, context, record);
        continue;
      }
      if (failure.name === 'NotImplementedAtStage' && memory.node !== undefined) {
        memory.refusedAtStage.add(memory.node);
        if (await moveLeadershipOff(step, attempt, memory, context, record)) continue;
        return `${lastError} (and no other running voter is left to lead: every one refused at its stage)`;
      }
      if (!failure.definite) ambiguous = true;
      else if (!retryableErrors.has(failure.name)) return lastError;
      const halted = await haltedMajority(context).catch(() => null);
      if (halted !== null)
        return `the cluster halted (${halted.map((s) => `${s.id}: ${s.haltError || 'halted'} at ${s.haltIndex}`).join(', ')}): no retry can succeed (last: ${lastError})`;
      continue;
    }
    (context.stepIndexes as Map<string, number>).set(step.id, result.logIndex ?? -1);
    record({
      process: 'rollout',
      type: 'ok',
      f: step.action.f,
      value: { step: step.id, attempt, ...result.value },
      ...nodeField(result.node ?? memory.node),
      ...(result.logIndex === undefined ? {} : { logIndex: result.logIndex }),
    });
    memory.node = result.node ?? memory.node;
    triggers.fire(step, 'ok', memory);
    return null;
  }
  return `gave up after ${step.retry.attemptsMax} attempts (last: ${lastError})`;
}

/**
 * An ambiguous raft cutover latches the leader that ran it (spec §7.6: it
 * keeps the barrier closed and refuses admin proposals until it is restarted,
 * a deliberate trade of availability for safety). The operator's remedy is to
 * restart that node; so does the rollout process, before it retries.
 */
const remedyWaitsFor: readonly FaultCapability[] = ['partition', 'pause'];

function needsRestart(action: RolloutAction, failure: { definite: boolean; name: string }): boolean {
  return failure.name === 'EncryptionUnsafeLatch' || (action.f === 'enable-raft-envelope' && !failure.definite);
}

async function restartLatched(
  step: RolloutStep,
  attempt: number,
  node: string,
  context: RolloutContext,
  record: RolloutRunnerOptions['record'],
): Promise<void> {
  // Like an operator, first wait for the network to heal and give a leader that kept its term the
  // time to replicate what it holds: a marker that commits late must commit before the restart (what
  // the latch protects against, and what B11 lets through, happens in that window).
  const deadline = context.nowMs() + rolloutDefaults.holdWaitMaxMs;
  while (context.nemesis.isActive(remedyWaitsFor) && !context.signal.aborted && context.nowMs() < deadline)
    await context.sleep(context.conditionPollMs);
  await context.sleep(rolloutDefaults.remedySettleMs);
  const value = {
    step: `${step.id}.remedy${attempt}`,
    attempt: 1,
    nodes: [node],
    mode: 'stop',
    remedy: 'restart the node an ambiguous raft cutover latched (spec §7.6)',
  };
  record({ process: 'rollout', type: 'invoke', f: 'restart', value, node });
  try {
    await context.nemesis.exclusive(async () => {
      await context.cluster.stopNode(node);
      await context.cluster.start(node);
    });
    record({ process: 'rollout', type: 'ok', f: 'restart', value, node });
  } catch (error) {
    const failure = classifyStepError(error, context);
    record({
      process: 'rollout',
      type: failure.definite ? 'fail' : 'info',
      f: 'restart',
      value,
      error: failure.name,
      node,
    });
  }
}

/**
 * A mixed cluster: the RPC reached a leader whose emulated stage lacks it
 * (NotImplementedAtStage). The operator hands leadership to a voter that has
 * not refused yet and sends the step again; false when no such voter runs.
 * Recorded as a transfer-leadership step of its own (`<step>.stage<attempt>`).
 */
async function moveLeadershipOff(
  step: RolloutStep,
  attempt: number,
  memory: AttemptMemory,
  context: RolloutContext,
  record: RolloutRunnerOptions['record'],
): Promise<boolean> {
  const running = new Set((await memberStatuses(context).catch(() => [])).map((s) => s.id));
  const candidates = [...running].filter((id) => !memory.refusedAtStage.has(id) && !context.retired.has(id)).sort();
  if (candidates.length === 0) return false;
  const value = {
    step: `${step.id}.stage${attempt}`,
    attempt: 1,
    remedy: `lead from a node whose stage implements ${step.action.f} (${[...memory.refusedAtStage].sort().join(', ')} refused)`,
  };
  for (let tries = 1; tries <= stageRemedyTries; tries += 1) {
    if (context.signal.aborted) return false;
    if (tries > 1) await context.sleep(step.retry.backoffMs);
    record({ process: 'rollout', type: 'invoke', f: 'transfer-leadership', value: { ...value, attempt: tries } });
    try {
      const leader = await requireLeader(context);
      const voters = new Set(leader.members.filter((m) => m.suffrage === 'voter').map((m) => m.id));
      const target = candidates.find((id) => voters.has(id));
      if (target === undefined)
        throw new StepRefusal('UnknownMember', `no running voter among ${candidates.join(', ')}`);
      const answer = memory.refusedAtStage.has(leader.id)
        ? await context.api.transferLeadership(addressOf(context, leader.id), target, context.rpcTimeoutMs)
        : { leader: leader.id, term: leader.term };
      record({
        process: 'rollout',
        type: 'ok',
        f: 'transfer-leadership',
        value: { ...value, attempt: tries, leader: answer.leader, term: answer.term },
        node: leader.id,
      });
      return true;
    } catch (error) {
      const failure = classifyStepError(error, context);
      record({
        process: 'rollout',
        type: failure.definite ? 'fail' : 'info',
        f: 'transfer-leadership',
        value: { ...value, attempt: tries },
        error: failure.name,
      });
      if (failure.name === 'UnknownMember') return false;
    }
  }
  return true;
}

/** Attempts of one leadership hand-over away from a stage that lacks the RPC. */
const stageRemedyTries = 5;

function nodeField(node: string | undefined): { node?: string } {
  return node === undefined || node === '' ? {} : { node };
}

/** `mustBeRefused` for the invoke's value, so the checkers know the request must not succeed. */
function refusalParameter(step: RolloutStep): { mustBeRefused?: JsonValue } {
  return step.mustBeRefused === undefined
    ? {}
    : { mustBeRefused: JSON.parse(JSON.stringify(step.mustBeRefused)) as JsonValue };
}

/** The action's parameters as the invoke's value (without `f`). */
function actionParameters(action: RolloutAction): { [key: string]: JsonValue } {
  const { f: _f, ...rest } = action;
  return JSON.parse(JSON.stringify(rest)) as { [key: string]: JsonValue };
}

function classifyStepError(
  error: unknown,
  context: RolloutContext,
): { definite: boolean; name: string; message: string } {
  if (error instanceof StepRefusal) return { definite: true, name: error.errorName, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  // Harness errors (a node that would not start) are the harness's own: nothing was proposed by them.
  if (typeof code === 'string' && (error as { name?: unknown }).name === 'HarnessError')
    return { definite: true, name: code, message: (error as Error).message };
  const failure = context.api.classify(error);
  return { definite: failure.definite, name: failure.name, message: failure.message };
}

/** Starts a step's aimed faults on time and ends them after their hold; the nemesis executor serializes them with the schedule. */
class TriggerScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly context: RolloutContext) {
    for (const signal of [context.signal, context.triggerSignal])
      signal.addEventListener('abort', () => this.cancelPending(), { once: true });
  }

  fire(step: RolloutStep, on: StepTrigger['on'], memory: AttemptMemory): void {
    for (const trigger of step.triggers) {
      if (trigger.on !== on) continue;
      const stepNode = memory.node;
      this.after(trigger.delayMs, () => {
        const start = resolveStepNode(trigger.start, stepNode);
        void this.context.nemesis
          .run(start, 'trigger')
          .then(() =>
            this.after(
              trigger.holdMs,
              () => void this.context.nemesis.run(resolveStepNode(trigger.stop, stepNode), 'trigger'),
            ),
          );
      });
    }
  }

  private after(ms: number, work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.context.signal.aborted && !this.context.triggerSignal.aborted) work();
    }, ms);
    this.timers.add(timer);
  }

  /** Cancels triggers that have not fired yet (faults already started end with the final heal). */
  cancelPending(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** Replaces a `{ stepNode: true }` target with the node the step's RPC went to (the leader when unknown). */
export function resolveStepNode(action: NemesisAction, stepNode: string | undefined): NemesisAction {
  const resolve = (target: NodeTarget): NodeTarget =>
    'stepNode' in target ? (stepNode === undefined ? { leader: true } : { nodes: [stepNode] }) : target;
  switch (action.f) {
    case 'kill':
    case 'pause':
      return { ...action, target: resolve(action.target) };
    case 'start-partition':
      return action.target === undefined ? action : { ...action, target: resolve(action.target) };
    case 'stop-partition':
    case 'restart':
    case 'resume':
    case 'clock-bump':
    case 'clock-strobe':
    case 'clock-reset':
    case 'start-latency':
    case 'stop-latency':
    case 'start-link-resets':
    case 'stop-link-resets':
    case 'restart-with-flags':
    case 'heal-all':
      return action;
  }
}
