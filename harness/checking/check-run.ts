/**
 * Checks a run directory with its workload's checkers and writes
 * results.json: every checker runs (one that throws yields `unknown`), the
 * run-level verdict combines theirs, and the facts of the execution (a crash,
 * an interrupt) make a valid verdict `unknown`. Used at the end of `test`
 * and by `check <run-dir>`, which re-derives the checkers from the workload
 * named in test.json.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeResultsEdn } from '../history/index.js';
import type { JsonValue } from '../history/index.js';
import { runFiles } from '../store/index.js';
import type { Workload, WorkloadOptions } from '../workload/workload.js';
import type { CheckerEntry, Validity } from './checker.js';
import { combineValidity, runSafely } from './checker.js';
import { RunArtifacts } from './run-artifacts.js';

export type { CheckerEntry, Validity } from './checker.js';
export { combineValidity } from './checker.js';

export interface RunResults {
  readonly valid: Validity;
  readonly checkers: Readonly<Record<string, CheckerEntry>>;
  readonly warnings: readonly string[];
  /** The execution facts the verdict took into account (execution.json). */
  readonly execution?: unknown;
}

/** The workload options a run was made with (from its test.json config). */
export function workloadOptionsOf(run: RunArtifacts): WorkloadOptions {
  const config = run.test.config as { keys?: number; nodes?: string[]; canaryShare?: number };
  return { keys: config.keys ?? 1, nodes: config.nodes ?? [], canaryShare: config.canaryShare ?? 0 };
}

/** Runs every checker of `workload` over the run in `runDir` (files checkers write go to `outputDir`). */
export async function checkRun(
  runDir: string,
  workload: Workload,
  extraWarnings: readonly string[] = [],
  outputDir: string = runDir,
): Promise<RunResults> {
  const run = new RunArtifacts(runDir, outputDir);
  const checkers: Record<string, CheckerEntry> = {};
  for (const checker of workload.checkers(workloadOptionsOf(run)))
    checkers[checker.name] = await runSafely(checker, run);
  const execution = run.execution();
  const valid = combineValidity(Object.values(checkers).map((c) => c.valid));
  // Checkers may carry warnings of their own (a requested fault that never ran, a schedule that fell behind).
  const checkerWarnings = Object.values(checkers).flatMap((c) =>
    Array.isArray(c.warnings) ? (c.warnings as unknown[]).map(String) : [],
  );
  return {
    valid,
    checkers,
    warnings: [...extraWarnings, ...run.warnings, ...checkerWarnings],
    ...(execution === null ? {} : { execution }),
  };
}

/** Writes results.json, and beside it results.edn (the knossos/Jepsen result shape). */
export function writeResults(path: string, results: RunResults): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  writeResultsEdn(join(dirname(path), runFiles.resultsEdn), JSON.parse(JSON.stringify(results)) as JsonValue);
}

/** Exit code of a verdict: 0 valid, 1 invalid, 2 unknown. */
export function exitCodeOf(valid: Validity): number {
  return valid === true ? 0 : valid === false ? 1 : 2;
}
