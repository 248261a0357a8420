// Validates one Jepsen op map (from EDN or JSON) into a HistoryOp, naming the
// field that is wrong so the reader can report file:line and reason.
import { nonClientProcesses } from './history-op.js';
import type { HistoryOp, HistoryOpType, HistoryValue } from './history-op.js';

const opTypes: ReadonlySet<string> = new Set<HistoryOpType>(['invoke', 'ok', 'fail', 'info']);

/** Converts a parsed map into a HistoryOp, or returns the reason it is not one. */
export function opFromMap(value: HistoryValue, index: number, line: number): HistoryOp | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `expected an op map, got ${JSON.stringify(value)}`;
  const map = value as { readonly [key: string]: HistoryValue };
  const { process, type, f, key, time, error, node } = map;
  // history.jsonl spells it logIndex, EDN :log-index.
  const logIndex = map.logIndex ?? map['log-index'];
  const nonClient = typeof process === 'string' && nonClientProcesses.includes(process);
  if (!nonClient && !(typeof process === 'number' && Number.isInteger(process)))
    return `"process" must be an integer, nemesis or rollout, got ${JSON.stringify(process)}`;
  if (typeof type !== 'string' || !opTypes.has(type))
    return `"type" must be invoke, ok, fail or info, got ${JSON.stringify(type)}`;
  if (typeof f !== 'string' && typeof f !== 'number') return `"f" must be a name, got ${JSON.stringify(f)}`;
  if (key !== undefined && key !== null && typeof key !== 'string' && typeof key !== 'number')
    return `"key" must be a string, got ${JSON.stringify(key)}`;
  if (time !== undefined && time !== null && typeof time !== 'number')
    return `"time" must be a number, got ${JSON.stringify(time)}`;
  if (node !== undefined && node !== null && typeof node !== 'string')
    return `"node" must be a string, got ${JSON.stringify(node)}`;
  if (
    logIndex !== undefined &&
    logIndex !== null &&
    !(typeof logIndex === 'number' && Number.isInteger(logIndex) && logIndex >= 0)
  )
    return `"logIndex" must be a non-negative integer, got ${JSON.stringify(logIndex)}`;
  // Built field by field (no spreads): this runs once per event of 100k-op histories.
  const op: { -readonly [K in keyof HistoryOp]: HistoryOp[K] } = {
    index,
    process: process as HistoryOp['process'],
    type: type as HistoryOpType,
    f: String(f),
    value: map.value ?? null,
  };
  if (key !== undefined && key !== null) op.key = String(key);
  if (typeof time === 'number') op.time = time;
  if (error !== undefined && error !== null) op.error = error;
  if (typeof node === 'string') op.node = node;
  if (typeof logIndex === 'number') op.logIndex = logIndex;
  op.line = line;
  return op;
}
