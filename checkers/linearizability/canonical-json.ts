import type { HistoryValue } from '../history/history-op.js';

/** JSON with object keys sorted, so equal values have equal text. */
export function canonicalJson(value: HistoryValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: HistoryValue) => canonicalJson(v)).join(',')}]`;
  const keys = Object.keys(value).sort();
  const record = value as { readonly [key: string]: HistoryValue };
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k] ?? null)}`).join(',')}}`;
}

/** A 32-bit FNV-1a hash of a string (stable across runs). */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash | 0;
}
