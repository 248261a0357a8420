/**
 * Reads status.jsonl and inspect.jsonl for the checkers (the formats of
 * checkers/artifacts/). A torn last line (a killed writer) is tolerated with
 * a warning; any other malformed line is an error naming file:line.
 */
import { readFileSync } from 'node:fs';
import type { InspectView, StatusSample } from '../../checkers/artifacts/index.js';
import { HarnessError } from '../errors/index.js';

function readJsonLines(path: string): { values: unknown[]; warnings: string[] } {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const values: unknown[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    try {
      values.push(JSON.parse(line));
    } catch (error) {
      if (i === lines.length - 1 && !text.endsWith('\n')) {
        warnings.push(`${path}:${i + 1}: torn last line ignored`);
        break;
      }
      throw new HarnessError('HISTORY_FORMAT', `${path}:${i + 1}: not JSON (${(error as Error).message})`);
    }
  }
  return { values, warnings };
}

/** status.jsonl. */
export function readStatusFile(path: string): { samples: StatusSample[]; warnings: string[] } {
  const { values, warnings } = readJsonLines(path);
  values.forEach((value, i) => {
    const sample = value as Partial<StatusSample>;
    if (typeof sample.time !== 'number' || typeof sample.node !== 'string') throw new HarnessError('HISTORY_FORMAT', `${path}: sample ${i + 1} needs "time" and "node"`);
  });
  return { samples: values as StatusSample[], warnings };
}

/** nodes/<id>/inspect.jsonl. */
export function readInspectFile(path: string, _node: string): { records: InspectView[]; warnings: string[] } {
  const { values, warnings } = readJsonLines(path);
  values.forEach((value, i) => {
    if (typeof (value as { kind?: unknown }).kind !== 'string') throw new HarnessError('HISTORY_FORMAT', `${path}: line ${i + 1} has no "kind"`);
  });
  return { records: values as InspectView[], warnings };
}
