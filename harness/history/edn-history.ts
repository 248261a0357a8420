/**
 * Jepsen/knossos EDN form of a history: one op map per line, e.g.
 * `{:index 3, :time 1200, :process 1, :type :ok, :f :read, :key "k2", :value 4}`.
 * `:type` and `:f` are keywords, the nemesis and rollout processes are `:nemesis`
 * and `:rollout`; a write's Raft index is `:log-index`; the key of
 * an independent register stays a separate `:key` field (the form the
 * checker's EDN reader and porcupine's kv logs use). Reading uses edn-data.
 */
import { writeFileSync } from 'node:fs';
import { parseEDNString } from 'edn-data';
import { HarnessError } from '../errors/index.js';
import type { HistoryOp, JsonValue } from './op.js';

const keywordPattern = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.-]*$/;

/** EDN text of one op (no trailing newline). */
export function opToEdn(op: HistoryOp): string {
  const fields: string[] = [
    `:index ${op.index}`,
    `:time ${op.time}`,
    `:process ${typeof op.process === 'string' ? `:${op.process}` : String(op.process)}`,
    `:type :${op.type}`,
    `:f ${keywordOrString(op.f)}`,
  ];
  if (op.key !== undefined) fields.push(`:key ${ednString(op.key)}`);
  if (op.value !== undefined) fields.push(`:value ${jsonToEdn(op.value)}`);
  if (op.error !== undefined) fields.push(`:error ${ednString(op.error)}`);
  if (op.node !== undefined) fields.push(`:node ${ednString(op.node)}`);
  if (op.logIndex !== undefined) fields.push(`:log-index ${op.logIndex}`);
  return `{${fields.join(', ')}}`;
}

/** EDN text of a whole history, one op per line. */
export function historyToEdn(ops: readonly HistoryOp[]): string {
  return ops.map((op) => `${opToEdn(op)}\n`).join('');
}

/** Writes history.edn. */
export function writeHistoryEdn(path: string, ops: readonly HistoryOp[]): void {
  writeFileSync(path, historyToEdn(ops));
}

/** Parses EDN written by `historyToEdn` (or any flat op-map-per-line EDN) back into ops. */
export function parseHistoryEdn(text: string, source: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = parseEDNString(line, { mapAs: 'object', keywordAs: 'string', listAs: 'array', setAs: 'array' });
    } catch (error) {
      throw new HarnessError('HISTORY_FORMAT', `${source}:${i + 1}: not EDN (${(error as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new HarnessError('HISTORY_FORMAT', `${source}:${i + 1}: expected an op map`);
    }
    ops.push(parsed as HistoryOp);
  }
  return ops;
}

function keywordOrString(name: string): string {
  return keywordPattern.test(name) ? `:${name}` : ednString(name);
}

function ednString(text: string): string {
  // JSON string escapes (\" \\ \n \t \uXXXX) are a subset EDN readers accept.
  return JSON.stringify(text);
}

/** JSON → EDN: objects become maps with keyword keys (string keys when not keyword-shaped). */
export function jsonToEdn(value: JsonValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'string') return ednString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new HarnessError('HISTORY_FORMAT', `cannot write ${value} as EDN`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v: JsonValue) => jsonToEdn(v)).join(' ')}]`;
  const entries = Object.entries(value as Record<string, JsonValue>);
  return `{${entries.map(([k, v]) => `${keywordPattern.test(k) ? `:${k}` : ednString(k)} ${jsonToEdn(v)}`).join(', ')}}`;
}
