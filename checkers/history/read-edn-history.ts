// Jepsen/knossos EDN histories: one op map per line (Jepsen's history.edn),
// or one vector/list of op maps (knossos's test files). Also porcupine's kv
// logs, which are the former with a :key. Ops are numbered from 0 in file
// order, nemesis ops included (knossos's :index), unless they carry :index.
import { EdnSyntaxError, readEdnElements } from './edn-reader.js';
import type { HistoryOp, ParsedHistory } from './history-op.js';
import { HistoryParseError } from './history-parse-error.js';
import { opFromMap } from './op-from-map.js';

/** Reads an EDN history; `file` only names the source in errors. */
export function readEdnHistory(text: string, file: string): ParsedHistory {
  let elements;
  try {
    elements = readEdnElements(text);
  } catch (error) {
    if (error instanceof EdnSyntaxError)
      throw new HistoryParseError({ code: 'syntax', file, line: error.line, reason: `EDN syntax: ${error.reason}` });
    throw error;
  }
  const ops: HistoryOp[] = [];
  for (const element of elements) {
    // Jepsen's own history.edn carries :index; keep it so results name the same ops.
    const declared =
      element.value !== null && typeof element.value === 'object' && !Array.isArray(element.value)
        ? (element.value as { readonly index?: unknown }).index
        : undefined;
    const index = typeof declared === 'number' && Number.isInteger(declared) && declared >= 0 ? declared : ops.length;
    const op = opFromMap(element.value, index, element.line);
    if (typeof op === 'string')
      throw new HistoryParseError({ code: 'invalid-op', file, line: element.line, reason: op });
    ops.push(op);
  }
  return { ops, warnings: [] };
}
