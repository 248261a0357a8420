// porcupine's Jepsen etcd logs: `INFO  jepsen.util - <process>\t<type>\t<f>\t<value>`
// (some files use spaces). A keyword value on fail/info (`:timed-out`) is the
// error, not an operation value.
import { EdnSyntaxError, readEdnValue } from './edn-reader.js';
import { nemesisProcess } from './history-op.js';
import type { HistoryOp, HistoryOpType, HistoryValue, ParsedHistory } from './history-op.js';
import { HistoryParseError } from './history-parse-error.js';

const linePattern = /^INFO\s+jepsen\.util\s+-\s+(\S+)\s+:(invoke|ok|fail|info)\s+:?(\S+)\s*(.*)$/;

function parseValue(text: string, file: string, line: number): HistoryValue {
  if (text === '') return null;
  try {
    return readEdnValue(text);
  } catch (error) {
    if (error instanceof EdnSyntaxError)
      throw new HistoryParseError({ code: 'syntax', file, line, reason: `bad value "${text}": ${error.reason}` });
    throw error;
  }
}

/** Reads a porcupine/Jepsen etcd log. */
export function readJepsenLog(text: string, file: string): ParsedHistory {
  const ops: HistoryOp[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.trim();
    if (content === '') return;
    const match = linePattern.exec(content);
    if (match === null)
      throw new HistoryParseError({
        code: 'syntax',
        file,
        line,
        reason: 'expected "INFO jepsen.util - <process> :<type> :<f> <value>"',
      });
    const [, processText = '', type = 'invoke', f = '', valueText = ''] = match;
    const process = processText === ':nemesis' ? nemesisProcess : Number(processText);
    if (process !== nemesisProcess && !Number.isInteger(process))
      throw new HistoryParseError({
        code: 'invalid-op',
        file,
        line,
        reason: `process must be an integer, got "${processText}"`,
      });
    const isError = (type === 'fail' || type === 'info') && valueText.startsWith(':');
    const value = isError ? null : parseValue(valueText.trim(), file, line);
    ops.push({
      index: ops.length,
      process,
      type: type as HistoryOpType,
      f,
      value,
      ...(isError ? { error: valueText.trim().slice(1) } : {}),
      line,
    });
  });
  return { ops, warnings: [] };
}
