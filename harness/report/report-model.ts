/**
 * The report's model of a run: everything report.html shows, derived from
 * the run directory (test.json, history.jsonl, status.jsonl, execution.json,
 * results.json) in one pass, with times in seconds since the test started.
 * What a browser cannot draw at once is sampled here, and the model says how
 * much was left out so the page can say so.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pairOps } from '../../checkers/artifacts/index.js';
import type { StatusSample } from '../../checkers/artifacts/index.js';
import type { HistoryOp as CheckerOp } from '../../checkers/history/index.js';
import { faultRuns, historyStats, RunArtifacts, scheduleLateShareWarn } from '../checking/index.js';
import type { RunResults } from '../checking/index.js';
import type { ExecutionRecord } from '../checking/index.js';
import type { HistoryOp } from '../history/op.js';
import { runFiles } from '../store/index.js';

/** Bars the timeline draws at most (per lane grouping); beyond it ops are sampled. */
export const timelineBarsMax = 4_000;
/** Points the latency plot draws at most; beyond it ops are sampled. */
export const latencyPointsMax = 12_000;
/** Status samples per node the node plots draw at most. */
export const statusSamplesPerNodeMax = 1_500;

export type Outcome = 'ok' | 'fail' | 'info' | 'pending';

/** One client op from invoke to completion. */
export interface ReportOp {
  readonly index: number;
  readonly process: number;
  readonly f: string;
  readonly key: string | null;
  readonly node: string | null;
  readonly outcome: Outcome;
  /** Seconds since the start: invocation, completion (the history's end when pending). */
  readonly start: number;
  readonly end: number;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly completionIndex: number | null;
}

/** A fault from its start to its end (or the history's end), with what it touched. */
export interface ReportFault {
  readonly fault: string;
  readonly start: number;
  readonly end: number;
  readonly ended: boolean;
  readonly targets: string;
}

/** A rollout step as a marker. */
export interface ReportStep {
  readonly f: string;
  readonly step: string;
  readonly start: number;
  readonly end: number | null;
  readonly outcome: Outcome;
  readonly node: string | null;
  readonly label: string;
}

/** A node seen halted (the first sample of each halt). */
export interface ReportHalt {
  readonly node: string;
  readonly time: number;
  readonly haltIndex: number;
  readonly error: string;
  readonly reason: string;
}

/** A node's state between two samples. */
export interface ReportNodeSpan {
  readonly node: string;
  readonly start: number;
  readonly end: number;
  readonly state: string;
}

/** One sample point of a node's indexes. */
export interface ReportNodePoint {
  readonly node: string;
  readonly time: number;
  readonly appliedIndex: number;
  readonly commitIndex: number;
}

/** A change of a node's rollout fields (stage, envelopes, cutover indexes, DEKs). */
export interface ReportNodeChange {
  readonly node: string;
  readonly time: number;
  readonly field: string;
  readonly from: string;
  readonly to: string;
}

export interface LatencyQuantiles {
  readonly f: string;
  readonly outcome: Outcome | 'all';
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface ThroughputBin {
  readonly second: number;
  readonly outcome: Outcome;
  readonly count: number;
}

export interface ReportModel {
  readonly runDir: string;
  readonly test: Readonly<Record<string, unknown>>;
  readonly results: RunResults | null;
  readonly execution: ExecutionRecord | null;
  readonly warnings: readonly string[];
  readonly scheduleWarning: string | null;
  readonly durationS: number;
  readonly ops: readonly ReportOp[];
  readonly faults: readonly ReportFault[];
  readonly steps: readonly ReportStep[];
  readonly halts: readonly ReportHalt[];
  readonly nodeSpans: readonly ReportNodeSpan[];
  readonly nodePoints: readonly ReportNodePoint[];
  readonly nodeChanges: readonly ReportNodeChange[];
  readonly quantiles: readonly LatencyQuantiles[];
  readonly throughput: readonly ThroughputBin[];
  readonly counts: { readonly ok: number; readonly fail: number; readonly info: number; readonly pending: number };
  readonly nodeIds: readonly string[];
  /** Files of each node the report links to (relative to the run directory). */
  readonly nodeFiles: Readonly<Record<string, readonly string[]>>;
  /** Top-level files of the run directory, for the links. */
  readonly files: readonly string[];
  /** linearizability.html of this check, relative to the run directory (null: none written). */
  readonly linearizabilityHtml: string | null;
  /** Times of history ops by index (seconds), for placing checker findings. */
  readonly timeOfIndex: (index: number) => number | null;
}

const nsPerS = 1e9;

function clientOps(history: readonly HistoryOp[], endS: number): ReportOp[] {
  return pairOps(history as readonly CheckerOp[])
    .filter((pair) => typeof pair.invoke.process === 'number')
    .map(({ invoke, completion }) => {
      const start = (invoke.time ?? 0) / nsPerS;
      const end = completion === undefined ? endS : (completion.time ?? 0) / nsPerS;
      const node = completion?.node ?? invoke.node;
      return {
        index: invoke.index,
        process: invoke.process as number,
        f: invoke.f,
        key: invoke.key ?? null,
        node: node ?? null,
        outcome: completion === undefined ? 'pending' : completion.type === 'invoke' ? 'pending' : completion.type,
        start,
        end,
        latencyMs: Math.max((end - start) * 1000, 0.001),
        error:
          typeof completion?.error === 'string'
            ? completion.error
            : completion?.error === undefined
              ? null
              : JSON.stringify(completion.error),
        completionIndex: completion?.index ?? null,
      };
    });
}

function targetsOf(done: unknown): string {
  if (done === null || done === undefined) return '';
  if (typeof done !== 'object') return typeof done === 'string' ? done : JSON.stringify(done);
  const value = done as { nodes?: unknown; grudge?: unknown; offsetMs?: unknown };
  if (Array.isArray(value.nodes)) return value.nodes.join(', ');
  if (value.grudge !== undefined && typeof value.grudge === 'object' && value.grudge !== null) {
    return Object.entries(value.grudge as Record<string, string[]>)
      .map(([node, cut]) => `${node}✕${cut.join('+')}`)
      .join(' ');
  }
  return JSON.stringify(done);
}

function rolloutSteps(history: readonly HistoryOp[]): ReportStep[] {
  return pairOps(history as readonly CheckerOp[])
    .filter((pair) => pair.invoke.process === 'rollout')
    .map(({ invoke, completion }) => {
      const logIndex = completion?.logIndex;
      const invokeValue = (invoke.value ?? {}) as { step?: string; node?: string; stage?: string; purpose?: string };
      const node = completion?.node ?? invoke.node ?? invokeValue.node ?? null;
      const detail = [
        invokeValue.purpose,
        invokeValue.stage,
        invokeValue.node,
        logIndex === undefined ? undefined : `@${logIndex}`,
      ]
        .filter((x) => x !== undefined)
        .join(' ');
      return {
        f: invoke.f,
        step: typeof invokeValue.step === 'string' ? invokeValue.step : '',
        start: (invoke.time ?? 0) / nsPerS,
        end: completion === undefined ? null : (completion.time ?? 0) / nsPerS,
        outcome: completion === undefined ? 'pending' : (completion.type as Outcome),
        node,
        label: `${invoke.f}${detail === '' ? '' : ` ${detail}`}${completion !== undefined && completion.type !== 'ok' ? ` (${completion.type})` : ''}`,
      };
    })
    .filter((step) => step.f !== 'await' || step.outcome !== 'ok');
}

function nodeState(sample: StatusSample): string {
  if (sample.process !== 'running') return sample.process;
  if (sample.status === null) return 'no answer';
  if (sample.status.halted) return 'halted';
  return sample.status.role === '' ? 'unknown' : sample.status.role;
}

function rolloutFields(sample: StatusSample): Record<string, string> {
  const fields: Record<string, string> = {};
  if (sample.status !== null) fields['stage'] = sample.status.stage;
  if (sample.sidecar !== null) {
    fields['storage envelope'] = sample.sidecar.storageEnvelopeActive
      ? `on @${sample.sidecar.storageEnvelopeCutoverIndex}`
      : 'off';
    fields['raft envelope'] =
      sample.sidecar.raftEnvelopeCutoverIndex > 0 ? `on @${sample.sidecar.raftEnvelopeCutoverIndex}` : 'off';
    fields['DEKs'] = sample.sidecar.keyIds.join(',');
  }
  return fields;
}

interface NodeViews {
  readonly spans: ReportNodeSpan[];
  readonly points: ReportNodePoint[];
  readonly changes: ReportNodeChange[];
  readonly halts: ReportHalt[];
}

function nodeViews(samples: readonly StatusSample[], endS: number): NodeViews {
  const views: NodeViews = { spans: [], points: [], changes: [], halts: [] };
  const byNode = new Map<string, StatusSample[]>();
  for (const sample of samples) byNode.set(sample.node, [...(byNode.get(sample.node) ?? []), sample]);
  for (const [node, list] of byNode) {
    const stride = Math.max(1, Math.ceil(list.length / statusSamplesPerNodeMax));
    let previousFields: Record<string, string> = {};
    let wasHalted = false;
    list.forEach((sample, i) => {
      const time = sample.time / nsPerS;
      const next = list[i + 1];
      const state = nodeState(sample);
      const last = views.spans.at(-1);
      const end = next === undefined ? Math.max(endS, time) : next.time / nsPerS;
      if (last !== undefined && last.node === node && last.state === state)
        views.spans[views.spans.length - 1] = { ...last, end };
      else views.spans.push({ node, start: time, end, state });
      if (sample.status !== null && (i % stride === 0 || next === undefined))
        views.points.push({
          node,
          time,
          appliedIndex: sample.status.appliedIndex,
          commitIndex: sample.status.commitIndex,
        });
      const halted = sample.status?.halted === true;
      if (halted && !wasHalted && sample.status !== null)
        views.halts.push({
          node,
          time,
          haltIndex: sample.status.haltIndex,
          error: sample.status.haltError,
          reason: sample.status.haltReason,
        });
      if (sample.status !== null) wasHalted = halted;
      const fields = rolloutFields(sample);
      for (const [field, to] of Object.entries(fields)) {
        const from = previousFields[field];
        if (from !== to) views.changes.push({ node, time, field, from: from ?? '—', to });
      }
      previousFields = { ...previousFields, ...fields };
    });
  }
  return views;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function latencyQuantiles(ops: readonly ReportOp[]): LatencyQuantiles[] {
  const groups = new Map<string, number[]>();
  for (const op of ops) {
    if (op.outcome === 'pending') continue;
    for (const group of [`${op.f}\u0000all`, `${op.f}\u0000${op.outcome}`]) {
      const list = groups.get(group);
      if (list === undefined) groups.set(group, [op.latencyMs]);
      else list.push(op.latencyMs);
    }
  }
  return [...groups]
    .map(([group, latencies]) => {
      const [f = '', outcome = 'all'] = group.split('\u0000');
      const sorted = latencies.sort((a, b) => a - b);
      return {
        f,
        outcome: outcome as Outcome | 'all',
        count: sorted.length,
        p50: quantile(sorted, 0.5),
        p90: quantile(sorted, 0.9),
        p99: quantile(sorted, 0.99),
        max: sorted.at(-1) ?? 0,
      };
    })
    .sort(
      (a, b) =>
        a.f.localeCompare(b.f) ||
        (a.outcome === 'all' ? -1 : b.outcome === 'all' ? 1 : a.outcome.localeCompare(b.outcome)),
    );
}

function throughput(ops: readonly ReportOp[]): ThroughputBin[] {
  const bins = new Map<string, number>();
  for (const op of ops) {
    if (op.outcome === 'pending') continue;
    const key = `${Math.floor(op.end)}\u0000${op.outcome}`;
    bins.set(key, (bins.get(key) ?? 0) + 1);
  }
  return [...bins]
    .map(([key, count]) => {
      const [second = '0', outcome = 'ok'] = key.split('\u0000');
      return { second: Number(second), outcome: outcome as Outcome, count };
    })
    .sort((a, b) => a.second - b.second);
}

function scheduleWarningOf(execution: ExecutionRecord | null): string | null {
  const plan = execution?.plan;
  if (plan === null || plan === undefined || plan.opsPlanned === 0) return null;
  const missed = plan.opsLate + plan.opsSkipped;
  if (missed / plan.opsPlanned <= scheduleLateShareWarn) return null;
  const byHarness = plan.opsLateByHarness ?? plan.opsLate;
  const split =
    plan.opsLate === 0
      ? ''
      : ` Of the late ops, ${byHarness} were late because the harness itself lagged and ${plan.opsLate - byHarness} waited for a worker busy with a slow answer.`;
  return `The harness fell behind its schedule: ${missed} of ${plan.opsPlanned} planned ops ran late (> ${plan.lateThresholdMs} ms, lag up to ${(plan.maxLagMs / 1000).toFixed(2)} s) or were skipped (${plan.opsSkipped}), so the offered rate was not the planned one.${split}`;
}

function nodeFilesOf(run: RunArtifacts): Record<string, string[]> {
  const files: Record<string, string[]> = {};
  for (const node of run.nodeIds()) {
    files[node] = ['node.log', runFiles.inspectJsonl, 'keys.json']
      .map((name) => join(runFiles.nodes, node, name))
      .filter((path) => existsSync(join(run.runDir, path)));
  }
  return files;
}

/** Builds the model of the run in `runDir` judged by `results` (null: not checked yet); `outputDir` holds that check's files. */
export function buildReportModel(runDir: string, results: RunResults | null, outputDir: string = runDir): ReportModel {
  const run = new RunArtifacts(runDir);
  const history = run.history();
  const execution = run.execution();
  const lastNs = history.reduce((max, op) => Math.max(max, op.time), 0);
  const endS = lastNs / nsPerS;
  const ops = clientOps(history, endS);
  const faults = faultRuns(history).runs.map((r) => ({
    fault: r.fault,
    start: r.start / nsPerS,
    end: (r.end ?? lastNs) / nsPerS,
    ended: r.end !== null,
    targets: targetsOf(r.done),
  }));
  const views = nodeViews(run.statusSamples() ?? [], endS);
  const times = new Map(history.map((op) => [op.index, op.time / nsPerS]));
  const stats = historyStats(history);
  const pending = ops.filter((op) => op.outcome === 'pending').length;
  return {
    runDir,
    test: run.test,
    results,
    execution,
    warnings: [...(results?.warnings ?? []), ...run.warnings],
    scheduleWarning: scheduleWarningOf(execution),
    durationS: endS,
    ops,
    faults,
    steps: rolloutSteps(history),
    halts: views.halts,
    nodeSpans: views.spans,
    nodePoints: views.points,
    nodeChanges: views.changes,
    quantiles: latencyQuantiles(ops),
    throughput: throughput(ops),
    counts: { ...stats.totals, pending },
    nodeIds: [...new Set([...run.nodeIds(), ...views.spans.map((s) => s.node)])].sort(),
    nodeFiles: nodeFilesOf(run),
    files: readdirSync(runDir).filter((name) => statSync(join(runDir, name)).isFile()),
    linearizabilityHtml: existsSync(join(outputDir, 'linearizability.html'))
      ? relative(runDir, join(outputDir, 'linearizability.html'))
      : null,
    timeOfIndex: (index) => times.get(index) ?? null,
  };
}

/** Picks at most `max` items, keeping every one `keep` selects (up to half of `max`) and an even stride of the rest. */
export function sampleOps<T>(
  items: readonly T[],
  max: number,
  keep: (item: T) => boolean,
): { readonly items: readonly T[]; readonly omitted: number } {
  if (items.length <= max) return { items, omitted: 0 };
  const kept = items.filter(keep).slice(0, Math.floor(max / 2));
  const keptSet = new Set(kept);
  const rest = items.filter((item) => !keptSet.has(item));
  const stride = rest.length / (max - kept.length);
  const sampled: T[] = [];
  for (let i = 0; i < max - kept.length; i += 1) {
    const item = rest[Math.floor(i * stride)];
    if (item !== undefined) sampled.push(item);
  }
  return { items: [...kept, ...sampled], omitted: items.length - kept.length - sampled.length };
}
