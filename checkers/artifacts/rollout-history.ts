// What the rollout checkers read from history.jsonl, by the conventions of
// rollout-ops.ts: the rollout process's steps (paired with their
// completions, ok values validated), the canary writes and the client writes.
import { isClientProcess, rolloutProcess } from '../history/index.js';
import type { HistoryOp, HistoryValue } from '../history/index.js';
import { okOf } from './op-pairs.js';
import type { OpPair } from './op-pairs.js';
import { canaryKeyPrefix } from './rollout-ops.js';
import type { RolloutOkValues } from './rollout-ops.js';

/** A canary write: its key and unique value, with the op pair. */
export interface CanaryWrite {
  readonly key: string;
  readonly value: string;
  readonly pair: OpPair;
}

/** The rollout process's steps with this `f`, in invocation order. */
export function rolloutSteps(pairs: readonly OpPair[], f: string): OpPair[] {
  return pairs.filter((pair) => pair.invoke.process === rolloutProcess && pair.invoke.f === f);
}

/** Client writes (`write`, `cas`), in invocation order. */
export function clientWrites(pairs: readonly OpPair[]): OpPair[] {
  return pairs.filter(
    (pair) => isClientProcess(pair.invoke.process) && (pair.invoke.f === 'write' || pair.invoke.f === 'cas'),
  );
}

/** Canary writes (rollout-ops.ts): `write` ops on `canary-…` keys with string values. */
export function canaryWrites(pairs: readonly OpPair[]): CanaryWrite[] {
  const canaries: CanaryWrite[] = [];
  for (const pair of pairs) {
    const { invoke } = pair;
    if (!isClientProcess(invoke.process) || invoke.f !== 'write' || invoke.key?.startsWith(canaryKeyPrefix) !== true)
      continue;
    if (typeof invoke.value !== 'string') continue;
    canaries.push({ key: invoke.key, value: invoke.value, pair });
  }
  return canaries;
}

type ObjectValue = { readonly [key: string]: HistoryValue };

function objectValue(value: HistoryValue): ObjectValue | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as ObjectValue) : undefined;
}

function isIndex(value: HistoryValue | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** The value of an ok Enable step (either cutover), or undefined when it lacks a field. */
export function enableOkValue(op: HistoryOp): RolloutOkValues['enable-raft-envelope'] | undefined {
  const value = objectValue(op.value);
  if (value === undefined || !isIndex(value.appliedIndex) || typeof value.wasAlreadyActive !== 'boolean')
    return undefined;
  return { appliedIndex: value.appliedIndex, wasAlreadyActive: value.wasAlreadyActive };
}

/** The value of an ok rotate-dek step, or undefined when it lacks a field. */
export function rotateOkValue(op: HistoryOp): RolloutOkValues['rotate-dek'] | undefined {
  const value = objectValue(op.value);
  if (value === undefined || !isIndex(value.newDekId)) return undefined;
  if (value.purpose !== 'storage' && value.purpose !== 'raft') return undefined;
  // A rotation confirmed from the sidecar after a lost answer has no applied index; otherwise it must have one.
  if (value.confirmedBy === 'sidecar' && value.appliedIndex === undefined)
    return { purpose: value.purpose, newDekId: value.newDekId, confirmedBy: 'sidecar' };
  if (!isIndex(value.appliedIndex)) return undefined;
  return { appliedIndex: value.appliedIndex, purpose: value.purpose, newDekId: value.newDekId };
}

/** The node an ok membership step (add-learner, promote, remove) names, or undefined. */
export function membershipOkNode(op: HistoryOp): string | undefined {
  const node = objectValue(op.value)?.node;
  return typeof node === 'string' && node !== '' ? node : undefined;
}

/** A step's `mustBeRefused` (the invoke's value): the request the node must refuse, with the error names that refuse it. */
export interface MustBeRefused {
  readonly errors: readonly string[];
  readonly invariant: string;
  readonly why: string;
}

/** The `mustBeRefused` record of a rollout invoke, or undefined when the step is an ordinary one (or the record is malformed). */
export function mustBeRefusedOf(invoke: HistoryOp): MustBeRefused | undefined {
  const record = objectValue(objectValue(invoke.value)?.mustBeRefused ?? null);
  if (
    record === undefined ||
    !Array.isArray(record.errors) ||
    typeof record.invariant !== 'string' ||
    typeof record.why !== 'string'
  )
    return undefined;
  const errors = (record.errors as readonly HistoryValue[]).filter((e): e is string => typeof e === 'string');
  return errors.length === 0 ? undefined : { errors, invariant: record.invariant, why: record.why };
}

/** True when the attempt was refused the way its step's `mustBeRefused` demands (a definite fail naming one of its errors). */
export function refusedAsRequired(pair: OpPair): boolean {
  const required = mustBeRefusedOf(pair.invoke);
  const error = pair.completion?.error;
  return (
    required !== undefined &&
    pair.completion?.type === 'fail' &&
    typeof error === 'string' &&
    required.errors.includes(error)
  );
}

/** One Enable or rotation ok, validated. */
export interface StepOk<V> {
  readonly pair: OpPair;
  readonly ok: HistoryOp;
  readonly value: V;
}

/** The ok completions of a step with their values; oks whose value does not validate are returned apart. */
export function stepOks<V>(
  pairs: readonly OpPair[],
  f: string,
  read: (op: HistoryOp) => V | undefined,
): { readonly oks: StepOk<V>[]; readonly malformed: HistoryOp[] } {
  const oks: StepOk<V>[] = [];
  const malformed: HistoryOp[] = [];
  for (const pair of rolloutSteps(pairs, f)) {
    const ok = okOf(pair);
    if (ok === undefined) continue;
    const value = read(ok);
    if (value === undefined) malformed.push(ok);
    else oks.push({ pair, ok, value });
  }
  return { oks, malformed };
}
