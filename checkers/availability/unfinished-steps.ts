// Rule "every rollout step the scenario invoked has finished": each step —
// the invoke's `step` id (checkers/artifacts/rollout-ops.ts: every attempt of a
// step carries it, with its attempt number), or, for histories without ids, a
// rollout `f` with its parameters — has an ok among its attempts, or is allowed
// to stay unfinished, or (a request the node must refuse: its invoke's
// `mustBeRefused`) was refused as required. A step whose last attempt never completed, or completed info,
// hangs (STUCK); one whose attempts all failed definitely is reported as a
// failed step.
import { okOf, refusedAsRequired } from '../artifacts/index.js';
import type { Finding, OpPair, RolloutExpectations } from '../artifacts/index.js';
import { rolloutProcess } from '../history/index.js';
import type { HistoryValue } from '../history/index.js';

/** JSON with object keys sorted, so equal parameters give equal text. */
function stableJson(value: HistoryValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly HistoryValue[]).map((item) => stableJson(item)).join(',')}]`;
  const object = value as { readonly [key: string]: HistoryValue };
  return `{${Object.keys(object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${stableJson(object[key] ?? null)}`)
    .join(',')}}`;
}

/** The rollout steps of a history, attempts grouped by step. */
function stepsOf(pairs: readonly OpPair[]): Map<string, OpPair[]> {
  const steps = new Map<string, OpPair[]>();
  for (const pair of pairs) {
    if (pair.invoke.process !== rolloutProcess) continue;
    const value = pair.invoke.value;
    const stepId =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as { readonly step?: HistoryValue }).step
        : undefined;
    const identity =
      typeof stepId === 'string' ? `${pair.invoke.f} step ${stepId}` : `${pair.invoke.f} ${stableJson(value)}`;
    steps.set(identity, [...(steps.get(identity) ?? []), pair]);
  }
  return steps;
}

function label(pair: OpPair): string {
  const params = pair.invoke.value;
  return params === null || stableJson(params) === stableJson({ step: pair.invoke.f })
    ? pair.invoke.f
    : `${pair.invoke.f} ${stableJson(params)}`;
}

/** One finding per unfinished step; `steps` counts the steps seen. */
export function checkUnfinishedSteps(
  pairs: readonly OpPair[],
  expectations: RolloutExpectations,
): { readonly findings: Finding[]; readonly steps: number; readonly notes: string[] } {
  const findings: Finding[] = [];
  const notes: string[] = [];
  const steps = stepsOf(pairs);
  for (const attempts of steps.values()) {
    const last = attempts.at(-1);
    if (last === undefined || attempts.some((attempt) => okOf(attempt) !== undefined || refusedAsRequired(attempt)))
      continue;
    if (expectations.unfinishedStepsAllowed.includes(last.invoke.f)) {
      notes.push(`${label(last)} did not finish, which the scenario allows.`);
      continue;
    }
    const nodes = [
      ...new Set(attempts.flatMap((attempt) => (attempt.invoke.node === undefined ? [] : [attempt.invoke.node]))),
    ];
    const hangs = last.completion === undefined || last.completion.type === 'info';
    const outcome =
      last.completion === undefined
        ? 'never completed'
        : last.completion.type === 'info'
          ? 'ended with an unknown outcome'
          : 'failed';
    findings.push({
      invariant: hangs ? 'stuck' : 'step-failed',
      opIndex: last.invoke.index,
      nodes,
      message: `Rollout step ${label(last)} never succeeded: ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}, the last (op ${last.invoke.index}) ${outcome}${last.completion?.error === undefined ? '' : ` (${JSON.stringify(last.completion.error)})`}.`,
      details: { step: last.invoke.f, attempts: attempts.map((attempt) => attempt.invoke.index) },
    });
  }
  return { findings, steps: steps.size, notes };
}
