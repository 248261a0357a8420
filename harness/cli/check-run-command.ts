/**
 * `ekv-jepsen check <run-dir>`: re-analyses a stored run with the current
 * checker code — reads its history.jsonl (a torn last line from a killed
 * harness is tolerated and reported), rewrites history.edn and results.json,
 * prints the verdict and exits 0/1/2 (255 when the run cannot be read).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkHistory, exitCodeOf, writeResults } from '../checking/index.js';
import { readHistoryJsonl, writeHistoryEdn } from '../history/index.js';
import { runFiles } from '../store/index.js';
import { testDefaults } from '../runner/index.js';
import type { CommandIo } from './command-io.js';

/** True when `path` is a run directory (holds history.jsonl). */
export function isRunDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, runFiles.historyJsonl));
  } catch {
    return false;
  }
}

function previousExits(runDir: string): readonly unknown[] | undefined {
  try {
    const previous = JSON.parse(readFileSync(join(runDir, runFiles.resultsJson), 'utf8')) as { checkers?: Record<string, { unexpectedExits?: unknown[] }> };
    return previous.checkers?.['node-exits']?.unexpectedExits;
  } catch {
    return undefined;
  }
}

function checkerBudgetMs(runDir: string): number {
  try {
    const test = JSON.parse(readFileSync(join(runDir, runFiles.testJson), 'utf8')) as { config?: { checkerBudgetMs?: number } };
    return test.config?.checkerBudgetMs ?? testDefaults.checkerBudgetMs;
  } catch {
    return testDefaults.checkerBudgetMs;
  }
}

/** Re-checks the stored run in `runDir`. */
export async function runStoredCheck(runDir: string, io: CommandIo): Promise<number> {
  let read;
  try {
    read = readHistoryJsonl(join(runDir, runFiles.historyJsonl));
  } catch (error) {
    io.writeErr(`ekv-jepsen check: ${error instanceof Error ? error.message : String(error)}\n`);
    return 255;
  }
  for (const warning of read.warnings) io.writeErr(`ekv-jepsen check: warning: ${warning}\n`);
  writeHistoryEdn(join(runDir, runFiles.historyEdn), read.ops);
  const exits = previousExits(runDir);
  const results = checkHistory(read.ops, {
    model: 'cas-register',
    checkerBudgetMs: checkerBudgetMs(runDir),
    warnings: read.warnings,
    runDir,
    ...(exits === undefined ? {} : { unexpectedExits: exits }),
  });
  writeResults(join(runDir, runFiles.resultsJson), results);
  const verdict = results.valid === true ? 'VALID' : results.valid === false ? 'INVALID' : 'UNKNOWN';
  const notValid = Object.entries(results.checkers).filter(([, c]) => c.valid !== true).map(([name, c]) => `${name}=${String(c.valid)}`);
  io.writeOut(`${verdict}${notValid.length > 0 ? ` (${notValid.join(', ')})` : ''} — ${read.ops.length} ops re-checked in ${runDir}\n`);
  return exitCodeOf(results.valid);
}
