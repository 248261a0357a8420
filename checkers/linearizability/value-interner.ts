// Maps history values to small integers so register-like models compare and
// hash states in O(1): the hot loop of the search then never touches JSON.
import type { HistoryValue } from '../history/history-op.js';
import { canonicalJson } from './canonical-json.js';

/** Interns values by their canonical JSON; id order is first-seen order. */
export class ValueInterner {
  private readonly ids = new Map<string, number>();
  private readonly values: HistoryValue[] = [];

  /** The id of `value` (allocated on first sight). */
  intern(value: HistoryValue): number {
    const key = canonicalJson(value);
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.values.length;
    this.ids.set(key, id);
    this.values.push(value);
    return id;
  }

  /** The value behind an id. */
  value(id: number): HistoryValue {
    return this.values[id] ?? null;
  }

  /** The value behind an id, as EDN-ish text for messages (null prints as nil). */
  show(id: number): string {
    return showValue(this.value(id));
  }
}

/** Renders a value for messages the way knossos does (nil, [1 2], "s"). */
export function showValue(value: HistoryValue): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return `[${value.map((v: HistoryValue) => showValue(v)).join(' ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k} ${showValue(v)}`)
      .join(', ')}}`;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
