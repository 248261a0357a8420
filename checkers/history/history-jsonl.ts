// The project's own history format, history.jsonl (written by the harness,
// streamed and fsynced so a crash leaves a readable prefix). One JSON object
// per line:
//   {"index": n, "time": <ns since test start, integer>, "process": <integer | "nemesis" | "rollout">,
//    "type": "invoke"|"ok"|"fail"|"info", "f": "read"|"write"|"cas"|…,
//    "key"?: string, "value"?: <JSON>, "error"?: string, "node"?: string, "logIndex"?: integer}
// cas values are [old, new]; a read's invoke has value null and its ok carries
// the value read (null = absent); nemesis ops have process "nemesis", the
// operator's rollout steps process "rollout" (checkers/artifacts/rollout-ops.ts);
// `logIndex` is the Raft index an ok write applied at, when known. An
// optional first line {"type":"header","format":"ekv-history","version":1, …}
// describes the run. Default semantics: knossos (line order = real-time order;
// `time` is informative). A torn last line (no trailing newline, not JSON) is
// tolerated with a warning; any other malformed line is an error.
import type { HistoryOp, HistoryValue, ParsedHistory } from './history-op.js';
import { HistoryParseError } from './history-parse-error.js';
import { opFromMap } from './op-from-map.js';

/** The format name in a history.jsonl header line. */
export const historyJsonlFormat = 'ekv-history';
/** The version of history.jsonl this reader understands. */
export const historyJsonlVersion = 1;

/** The optional first line of a history.jsonl. */
export interface HistoryJsonlHeader {
  readonly type: 'header';
  readonly format: typeof historyJsonlFormat;
  readonly version: number;
  readonly [field: string]: HistoryValue;
}

/** A parsed history.jsonl, with its header when present. */
export interface ParsedHistoryJsonl extends ParsedHistory {
  readonly header: HistoryJsonlHeader | undefined;
}

function parseHeader(record: { readonly [key: string]: HistoryValue }, file: string, line: number): HistoryJsonlHeader {
  if (record.format !== historyJsonlFormat)
    throw new HistoryParseError({
      code: 'invalid-op',
      file,
      line,
      reason: `header format must be "${historyJsonlFormat}", got ${JSON.stringify(record.format)}`,
    });
  if (record.version !== historyJsonlVersion)
    throw new HistoryParseError({
      code: 'invalid-op',
      file,
      line,
      reason: `unsupported history version ${JSON.stringify(record.version)} (this reader understands ${historyJsonlVersion})`,
    });
  return record as HistoryJsonlHeader;
}

/** Reads a history.jsonl text. */
export function readHistoryJsonl(text: string, file: string): ParsedHistoryJsonl {
  const lines = text.split('\n');
  const ops: HistoryOp[] = [];
  const warnings: string[] = [];
  let header: HistoryJsonlHeader | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const content = (lines[i] ?? '').trim();
    if (content === '') continue;
    const line = i + 1;
    let record: HistoryValue;
    try {
      record = JSON.parse(content) as HistoryValue;
    } catch (error) {
      const torn = i === lines.length - 1;
      if (torn) {
        warnings.push(`${file}:${line}: ignored a torn last line (the writer stopped mid-line)`);
        break;
      }
      throw new HistoryParseError({
        code: 'syntax',
        file,
        line,
        reason: `invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (
      record !== null &&
      typeof record === 'object' &&
      !Array.isArray(record) &&
      (record as { readonly type?: HistoryValue }).type === 'header'
    ) {
      if (ops.length > 0 || header !== undefined)
        throw new HistoryParseError({
          code: 'invalid-op',
          file,
          line,
          reason: 'a header is only allowed on the first line',
        });
      header = parseHeader(record as { readonly [key: string]: HistoryValue }, file, line);
      continue;
    }
    const op = opFromMap(record, ops.length, line);
    if (typeof op === 'string') throw new HistoryParseError({ code: 'invalid-op', file, line, reason: op });
    const declared = (record as { readonly index?: HistoryValue }).index;
    if (declared !== undefined && declared !== ops.length)
      throw new HistoryParseError({
        code: 'invalid-op',
        file,
        line,
        reason: `"index" must be ${ops.length} (ops are numbered from 0 in order), got ${JSON.stringify(declared)}`,
      });
    ops.push(op);
  }
  return { ops, warnings, header };
}

/** Serializes one op as a history.jsonl line (without the newline). */
export function historyOpToJsonl(op: HistoryOp): string {
  return JSON.stringify({
    index: op.index,
    ...(op.time !== undefined ? { time: op.time } : {}),
    process: op.process,
    type: op.type,
    f: op.f,
    ...(op.key !== undefined ? { key: op.key } : {}),
    value: op.value,
    ...(op.error !== undefined ? { error: op.error } : {}),
    ...(op.node !== undefined ? { node: op.node } : {}),
    ...(op.logIndex !== undefined ? { logIndex: op.logIndex } : {}),
  });
}
