/**
 * The runs of a store, newest first, as `ekv-jepsen serve` lists them: one
 * entry per run directory `<store>/<test>/<timestamp>/` (the `latest` links
 * are skipped), with what its test.json, results.json and execution.json say.
 * A run directory whose files are missing or torn is listed with what could
 * be read (a crashed run is worth finding).
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFiles } from '../store/index.js';
import { reportFileName } from './write-report.js';

export type RunVerdict = 'valid' | 'invalid' | 'unknown' | 'not checked';

/** One run of the store. */
export interface StoredRun {
  /** `<test>/<timestamp>`, the run's path inside the store. */
  readonly path: string;
  readonly test: string;
  readonly scenario: string | null;
  readonly startedAt: string | null;
  readonly seed: number | null;
  readonly durationMs: number | null;
  readonly verdict: RunVerdict;
  /** Checkers whose verdict is not valid, with it. */
  readonly failing: readonly { readonly checker: string; readonly valid: string }[];
  readonly hasReport: boolean;
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function verdictOf(valid: unknown): RunVerdict {
  return valid === true ? 'valid' : valid === false ? 'invalid' : valid === undefined ? 'not checked' : 'unknown';
}

function storedRun(store: string, test: string, timestamp: string): StoredRun {
  const dir = join(store, test, timestamp);
  const testJson = readJson(join(dir, runFiles.testJson)) ?? {};
  const results = readJson(join(dir, runFiles.resultsJson));
  const execution = readJson(join(dir, runFiles.executionJson));
  const checkers = (results?.['checkers'] ?? {}) as Record<string, { valid?: unknown }>;
  return {
    path: `${test}/${timestamp}`,
    test,
    scenario: typeof testJson['scenario'] === 'string' ? testJson['scenario'] : null,
    startedAt: typeof testJson['startedAt'] === 'string' ? testJson['startedAt'] : null,
    seed: typeof testJson['seed'] === 'number' ? testJson['seed'] : null,
    durationMs: typeof execution?.['durationMs'] === 'number' ? execution['durationMs'] : null,
    verdict: results === null ? 'not checked' : verdictOf(results['valid']),
    failing: Object.entries(checkers)
      .filter(([, c]) => c.valid !== true)
      .map(([checker, c]) => ({ checker, valid: String(c.valid) })),
    hasReport: existsSync(join(dir, reportFileName)),
  };
}

/** Every run directory of the store, newest first (by start time, then path). */
export function listStoredRuns(store: string): StoredRun[] {
  if (!isRealDirectory(store)) return [];
  const runs: StoredRun[] = [];
  for (const test of readdirSync(store)) {
    if (!isRealDirectory(join(store, test))) continue;
    for (const timestamp of readdirSync(join(store, test))) {
      const dir = join(store, test, timestamp);
      if (isRealDirectory(dir) && existsSync(join(dir, runFiles.historyJsonl)))
        runs.push(storedRun(store, test, timestamp));
    }
  }
  return runs.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || b.path.localeCompare(a.path));
}
