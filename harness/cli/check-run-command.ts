/**
 * `ekv-jepsen check <run-dir>`: re-analyses a stored run with the current
 * checker code and the checkers of the workload its test.json names (a torn
 * last history line from a killed harness is tolerated and reported). The
 * original results stay as they were: a re-check writes its results.json (and
 * any checker files) into `checks/<timestamp>/` of the run directory and says
 * where. Prints the verdict (with --json: the results, the verdict line on
 * stderr), warns when the history holds no client op, exits 0/1/2 (255 when
 * the run cannot be read).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkRun, exitCodeOf, RunArtifacts, writeResults } from '../checking/index.js';
import type { RunResults } from '../checking/index.js';
import { resolveWorkload } from '../runner/index.js';
import { runFiles, runTimestamp } from '../store/index.js';
import type { WorkloadRegistry } from '../workload/index.js';
import { writeReport } from '../report/index.js';
import type { CommandIo } from './command-io.js';

/** True when `path` is a run directory (holds history.jsonl). */
export function isRunDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, runFiles.historyJsonl));
  } catch {
    return false;
  }
}

/** The one verdict line of a check. */
export function checkVerdictLine(results: RunResults, clientOps: number, where: string): string {
  const verdict = results.valid === true ? 'VALID' : results.valid === false ? 'INVALID' : 'UNKNOWN';
  const notValid = Object.entries(results.checkers).filter(([, c]) => c.valid !== true);
  const reasons = notValid
    .map(([name, c]) => `  ${name}: ${String(c.valid)}${typeof c.reason === 'string' ? ` — ${c.reason}` : ''}\n`)
    .join('');
  return `${verdict}${notValid.length > 0 ? ` (${notValid.map(([name, c]) => `${name}=${String(c.valid)}`).join(', ')})` : ''} — ${clientOps} client ops re-checked, results in ${where}\n${reasons}`;
}

/** Re-checks the stored run in `runDir`; `json` prints the re-check's results.json instead of the verdict line (which goes to stderr). */
export async function runStoredCheck(
  runDir: string,
  io: CommandIo,
  workloads: WorkloadRegistry,
  options: { readonly json?: boolean } = {},
): Promise<number> {
  let results: RunResults;
  let outputDir: string;
  let clientOps: number;
  try {
    const run = new RunArtifacts(runDir);
    const workload = resolveWorkload(run.test.workload, workloads);
    clientOps = run.history().filter((op) => typeof op.process === 'number' && op.type === 'invoke').length;
    outputDir = join(runDir, 'checks', runTimestamp(new Date()));
    mkdirSync(outputDir, { recursive: true });
    results = await checkRun(runDir, workload, [], outputDir);
  } catch (error) {
    io.writeErr(`ekv-jepsen check: ${runDir}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 255;
  }
  for (const warning of results.warnings) io.writeErr(`ekv-jepsen check: warning: ${warning}\n`);
  writeResults(join(outputDir, runFiles.resultsJson), results);
  const report = await writeReport(runDir, { outputDir, results });
  if ('error' in report) io.writeErr(`ekv-jepsen check: warning: ${report.error}\n`);
  if (clientOps === 0) io.writeErr('ekv-jepsen check: warning: the history has 0 client ops: nothing was checked\n');
  if (options.json === true) {
    io.writeOut(`${JSON.stringify(results, null, 2)}\n`);
    io.writeErr(checkVerdictLine(results, clientOps, outputDir));
  } else io.writeOut(checkVerdictLine(results, clientOps, outputDir));
  return exitCodeOf(results.valid);
}
