/**
 * Writes report.html for a run directory: at the end of `test` and `replay`
 * beside results.json, and for `check <run-dir>` into the re-check's
 * directory (checks/<timestamp>/), judged by that check's results. A report
 * that cannot be written is a warning, never a changed verdict.
 */
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../checking/index.js';
import { runFiles } from '../store/index.js';
import {
  latencyChart,
  linearizabilityChart,
  nodeStatusChart,
  throughputChart,
  timelineChart,
} from './report-charts.js';
import type { Chart } from './report-charts.js';
import { renderReportHtml } from './report-html.js';
import type { ReportCharts } from './report-html.js';
import { buildReportModel } from './report-model.js';
import type { ReportModel } from './report-model.js';

/** The report's file name. */
export const reportFileName = 'report.html';

export interface WriteReportOptions {
  /** Where results.json of this check is and report.html goes (default: the run directory). */
  readonly outputDir?: string;
}

async function linearizabilityView(model: ReportModel): Promise<Chart | null> {
  const entry = model.results?.checkers['linearizability'] as
    | { valid?: unknown; partition?: string | null; op?: { index: number }; previousOk?: { index: number } | null }
    | undefined;
  if (entry?.valid !== false) return null;
  return linearizabilityChart(model, entry.partition ?? null, {
    failing: entry.op?.index ?? null,
    previousOk: entry.previousOk?.index ?? null,
  });
}

/** Renders the report of a run (results: null reads results.json from `outputDir`). Returns the page. */
export async function renderReport(
  runDir: string,
  options: WriteReportOptions & { readonly results?: RunResults | null } = {},
): Promise<string> {
  const outputDir = options.outputDir ?? runDir;
  const resultsPath = join(outputDir, runFiles.resultsJson);
  const results =
    options.results ?? (existsSync(resultsPath) ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as RunResults) : null);
  // The real directory: `store/latest` moves with the next run.
  const model = buildReportModel(realpathSync(runDir), results, realpathSync(outputDir));
  const charts: ReportCharts = {
    timelineByProcess: await timelineChart(model, 'process'),
    timelineByNode: await timelineChart(model, 'node'),
    latency: await latencyChart(model),
    throughput: await throughputChart(model),
    nodes: await nodeStatusChart(model),
    linearizability: await linearizabilityView(model),
  };
  return renderReportHtml(model, charts, outputDir);
}

/**
 * Writes report.html into `options.outputDir` (default the run directory) and
 * returns its path, or the error as a sentence (the caller prints it as a
 * warning: a broken report must not cost the run its verdict).
 */
export async function writeReport(
  runDir: string,
  options: WriteReportOptions & { readonly results?: RunResults } = {},
): Promise<{ readonly path: string } | { readonly error: string }> {
  const path = join(options.outputDir ?? runDir, reportFileName);
  try {
    writeFileSync(path, await renderReport(runDir, options));
    return { path };
  } catch (error) {
    return { error: `report.html could not be written: ${error instanceof Error ? error.message : String(error)}` };
  }
}
