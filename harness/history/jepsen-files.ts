/**
 * The Jepsen forms of a run's history and results, beside our JSON: a plain
 * `history.txt` (one op per line, tab-separated process, type, f, value —
 * Jepsen's `history.txt`; an independent key's value is the `[key value]`
 * tuple Jepsen's independent checker uses, an error a fifth column) and a
 * `results.edn` in the knossos/Jepsen result shape (`:valid?` true, false or
 * `:unknown` at the top and in every checker's map, kebab-case keywords).
 */
import { writeFileSync } from 'node:fs';
import { jsonToEdn } from './edn-history.js';
import type { HistoryOp, JsonValue } from './op.js';

/** One line of history.txt (no newline). */
export function opToText(op: HistoryOp): string {
  const process = typeof op.process === 'string' ? `:${op.process}` : String(op.process);
  const value =
    op.key === undefined ? jsonToEdn(op.value ?? null) : `[${JSON.stringify(op.key)} ${jsonToEdn(op.value ?? null)}]`;
  return [
    process,
    `:${op.type}`,
    `:${op.f}`,
    value,
    ...(op.error === undefined ? [] : [JSON.stringify(op.error)]),
  ].join('\t');
}

/** Writes history.txt. */
export function writeHistoryText(path: string, ops: readonly HistoryOp[]): void {
  writeFileSync(path, ops.map((op) => `${opToText(op)}\n`).join(''));
}

/** Jepsen's spelling of a key: `valid` → `valid?`, camelCase → kebab-case. */
function jepsenKey(key: string): string {
  if (key === 'valid') return 'valid?';
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

const keyword = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.-]*$/;

/** EDN of a results value: maps with Jepsen keywords, `valid: "unknown"` as `:unknown`. */
export function resultsToEdn(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return jsonToEdn(value);
  if (Array.isArray(value)) return `[${value.map((v: JsonValue) => resultsToEdn(v)).join(' ')}]`;
  const entries = Object.entries(value as Record<string, JsonValue>).map(([k, v]) => {
    const name = jepsenKey(k);
    const ednKey = keyword.test(name) ? `:${name}` : JSON.stringify(k);
    const ednValue = k === 'valid' && v === 'unknown' ? ':unknown' : resultsToEdn(v);
    return `${ednKey} ${ednValue}`;
  });
  return `{${entries.join(',\n ')}}`;
}

/** Writes results.edn. */
export function writeResultsEdn(path: string, results: JsonValue): void {
  writeFileSync(path, `${resultsToEdn(results)}\n`);
}
