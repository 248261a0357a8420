/**
 * Reads history.jsonl back. A torn last line (the harness was killed in the
 * middle of a write) is tolerated and reported as a warning; a malformed line
 * anywhere else is an error naming file:line and the reason.
 */
import { readFileSync } from 'node:fs';
import { HarnessError } from '../errors/index.js';
import type { HistoryHeader, HistoryOp, OpType } from './op.js';

export interface ReadHistory {
  readonly header: HistoryHeader | null;
  readonly ops: readonly HistoryOp[];
  readonly warnings: readonly string[];
}

const opTypes: ReadonlySet<string> = new Set<OpType>(['invoke', 'ok', 'fail', 'info']);

/** Parses the text of a history.jsonl; `source` names it in messages. */
export function parseHistoryJsonl(text: string, source: string): ReadHistory {
  const lines = text.split('\n');
  // A file that ends with "\n" yields a final empty string: not a line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const ops: HistoryOp[] = [];
  const warnings: string[] = [];
  let header: HistoryHeader | null = null;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const isLast = i === lines.length - 1;
    const where = `${source}:${i + 1}`;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      if (isLast && !text.endsWith('\n')) {
        warnings.push(
          `${where}: torn last line ignored (${line.length} bytes, no newline): the writer was interrupted`,
        );
        break;
      }
      throw new HarnessError('HISTORY_FORMAT', `${where}: not JSON (${(error as Error).message})`);
    }
    if (i === 0 && isHeader(parsed)) {
      header = parsed;
      continue;
    }
    ops.push(validateOp(parsed, where));
  }
  return { header, ops, warnings };
}

/** Reads and parses a history.jsonl file. */
export function readHistoryJsonl(path: string): ReadHistory {
  return parseHistoryJsonl(readFileSync(path, 'utf8'), path);
}

function isHeader(value: unknown): value is HistoryHeader {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'header';
}

function validateOp(value: unknown, where: string): HistoryOp {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HarnessError('HISTORY_FORMAT', `${where}: expected an op object`);
  }
  const op = value as Record<string, unknown>;
  const fail = (reason: string): never => {
    throw new HarnessError('HISTORY_FORMAT', `${where}: ${reason}`);
  };
  if (!Number.isInteger(op.index)) fail('"index" must be an integer');
  if (!Number.isInteger(op.time)) fail('"time" must be an integer (ns since test start)');
  if (!(Number.isInteger(op.process) || op.process === 'nemesis' || op.process === 'rollout'))
    fail('"process" must be an integer, "nemesis" or "rollout"');
  if (typeof op.type !== 'string' || !opTypes.has(op.type))
    fail(`"type" must be invoke|ok|fail|info, got ${JSON.stringify(op.type)}`);
  if (typeof op.f !== 'string') fail('"f" must be a string');
  if (op.key !== undefined && typeof op.key !== 'string') fail('"key" must be a string');
  if (op.logIndex !== undefined && !(Number.isInteger(op.logIndex) && (op.logIndex as number) >= 0))
    fail('"logIndex" must be a non-negative integer');
  return op as unknown as HistoryOp;
}
