/**
 * The node's logger: pino writing to stderr (stdout carries only the READY
 * line). `pretty` formats each record as one human-readable line without an
 * extra dependency. Writes are synchronous so the last lines before an
 * abrupt exit (the halt path) are not lost.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './node-config.js';

export type { Logger } from 'pino';

const levelNames: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const omitted = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** Formats one pino JSON record as `HH:MM:SS.mmm LEVEL [node] message key=value…`. */
export function formatPrettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof record['time'] === 'number' ? new Date(record['time']).toISOString().slice(11, 23) : '';
  const level = levelNames[Number(record['level'])] ?? String(record['level']);
  const extras = Object.entries(record)
    .filter(([key]) => !omitted.has(key) && key !== 'node')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const node = typeof record['node'] === 'string' ? `[${record['node']}] ` : '';
  const message = typeof record['msg'] === 'string' ? record['msg'] : '';
  return `${time} ${level.padEnd(5)} ${node}${message}${extras.length > 0 ? ` ${extras.join(' ')}` : ''}\n`;
}

/** Creates the node's root logger. */
export function createLogger(options: {
  readonly level: LogLevel;
  readonly format: 'json' | 'pretty';
  readonly nodeId: string;
}): Logger {
  const destination =
    options.format === 'pretty'
      ? {
          write: (line: string): void => {
            process.stderr.write(formatPrettyLine(line));
          },
        }
      : pino.destination({ fd: 2, sync: true });
  return pino({ level: options.level, base: { node: options.nodeId } }, destination);
}
