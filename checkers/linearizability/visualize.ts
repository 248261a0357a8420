// A self-contained HTML page explaining a result (no scripts, no external
// assets): the verdict, for a failure the operation that cannot be placed,
// the previous ok operation and each final path with the model's reason, and
// per partition a timeline of operations by process, coloured by their role:
// inside the longest linearizable prefix, the failing op, on a final path,
// unknown outcome, or later.
import type { HistoryOp } from '../history/history-op.js';
import { partitionOps } from './check.js';
import type { Partition } from './check.js';
import type { CheckResult, OpRef, PartitionReport, Semantics } from './check-result.js';
import type { AnyModel } from './model.js';
import { prepareHistory } from './prepare-history.js';
import type { PreparedOp } from './prepare-history.js';

/** What `visualize` draws. */
export interface VisualizeInput {
  readonly result: CheckResult;
  /** The history that was checked, with the same model and semantics. */
  readonly history: readonly HistoryOp[];
  readonly model: AnyModel;
  readonly semantics: Semantics;
  readonly nilReadMatchesAny?: boolean;
  readonly title?: string;
}

const opsPerPartitionMax = 300;
const partitionsMax = 12;
const rowHeightPx = 22;
const unitPx = 30;

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const styles = `body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.verdict{display:inline-block;padding:4px 10px;border-radius:4px;color:#fff;font-weight:600}.v-true{background:#2e7d32}.v-false{background:#c62828}.v-unknown{background:#ef6c00}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}code{background:#f4f4f4;padding:1px 4px}
.timeline{position:relative;overflow-x:auto;border:1px solid #ccc;background:#fafafa}.lane{position:absolute;left:0;font-size:12px;color:#555;width:90px;padding-left:4px}
.op{position:absolute;height:16px;border-radius:3px;font-size:11px;line-height:16px;overflow:hidden;white-space:nowrap;padding:0 3px;box-sizing:border-box;color:#fff}
.prefix{background:#66bb6a}.later{background:#90a4ae}.failing{background:#c62828;outline:2px solid #000}.onpath{background:#ffa726}.unknown{background:#fff;color:#555;border:1px dashed #777}.notchecked{background:#e0e0e0;color:#555;border:1px dotted #999}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}.note{color:#666}`;

function partitionLabel(key: string | null): string {
  return key === null ? '' : ` in partition <code>${escapeHtml(key)}</code>`;
}

function opLabel(op: OpRef): string {
  return `process ${op.process} <code>${escapeHtml(op.description)}</code> (index ${op.index})`;
}

function failureSection(result: CheckResult): string {
  if (result.valid === true) return '<p>Every partition has a linearization.</p>';
  if (result.valid === 'unknown') {
    const { okOps, lastOk, frontier } = result.longestPrefix;
    return `<p>The search stopped (<b>${escapeHtml(result.reason)}</b>) ${partitionLabel(result.partition)}. Longest prefix shown linearizable: ${okOps} ok operations${lastOk ? `, up to ${opLabel(lastOk)}` : ''}${frontier ? `; next to place: ${opLabel(frontier)}` : ''}.</p>`;
  }
  const paths = result.finalPaths
    .map((path, i) => {
      const steps = path.steps
        .map(
          (step) =>
            `<code>${escapeHtml(step.op.description)}</code> (p${escapeHtml(String(step.op.process))}) → ${escapeHtml(step.model)}`,
        )
        .join('<br>');
      return `<tr><td>${i + 1}</td><td>${steps || '<span class="note">(from the previous ok state)</span>'}</td><td><code>${escapeHtml(path.failure.op.description)}</code> (p${escapeHtml(String(path.failure.op.process))})</td><td>${escapeHtml(path.failure.message)}</td></tr>`;
    })
    .join('');
  return `<p><b>Cannot linearize</b> ${opLabel(result.op)} ${partitionLabel(result.partition)}.</p>
<p>Previous ok operation: ${result.previousOk ? opLabel(result.previousOk) : 'none'}.</p>
<p>Every order of the concurrent operations ends in an impossible step. Final paths:</p>
<table><tr><th>#</th><th>linearized (state after)</th><th>impossible step</th><th>why</th></tr>${paths}</table>`;
}

type PartitionVerdict = PartitionReport['valid'];

type Role = 'prefix' | 'later' | 'failing' | 'onpath' | 'unknown' | 'notchecked';

/**
 * How an op is drawn. `verdict` is its partition's own: the ops of a partition the
 * search never reached (`not-checked`, after the first failure) or could not decide
 * are not drawn as a linearizable prefix.
 */
function roleOf(
  op: PreparedOp<unknown, unknown>,
  result: CheckResult,
  limitReturn: number | undefined,
  onPath: ReadonlySet<number>,
  verdict: PartitionVerdict,
): Role {
  if (verdict === 'not-checked') return 'notchecked';
  if (result.valid === false && op.ref.index === result.op.index) return 'failing';
  if (onPath.has(op.ref.index)) return 'onpath';
  if (op.return === undefined) return 'unknown';
  if (limitReturn === undefined) return verdict === true ? 'prefix' : 'later';
  return op.return < limitReturn ? 'prefix' : 'later';
}

function timeline(
  partition: Partition<unknown, unknown>,
  result: CheckResult,
  focus: OpRef | null,
  verdict: PartitionVerdict,
): string {
  const all = partition.ops;
  const focusAt =
    focus === null
      ? 0
      : Math.max(
          0,
          all.findIndex((op) => op.ref.index === focus.index),
        );
  const start = Math.max(0, Math.min(focusAt - opsPerPartitionMax / 2, all.length - opsPerPartitionMax));
  const ops = all.slice(start, start + opsPerPartitionMax);
  const focusOp = focus === null ? undefined : all[focusAt];
  const limitReturn = result.valid === true ? undefined : focusOp?.return;
  const onPath = new Set<number>(
    result.valid === false
      ? result.finalPaths.flatMap((p) => [...p.steps.map((s) => s.op.index), p.failure.op.index])
      : [],
  );
  const times = [...new Set(ops.flatMap((op) => (op.return === undefined ? [op.call] : [op.call, op.return])))].sort(
    (a, b) => a - b,
  );
  const x = new Map(times.map((t, i) => [t, 100 + i * unitPx]));
  const width = 100 + (times.length + 4) * unitPx;
  const processes = [...new Set(ops.map((op) => String(op.process)))];
  const lanes = processes
    .map((p, i) => `<div class="lane" style="top:${i * rowHeightPx + 3}px">p${escapeHtml(p)}</div>`)
    .join('');
  const bars = ops
    .map((op) => {
      const left = x.get(op.call) ?? 0;
      const right = op.return === undefined ? width - unitPx : (x.get(op.return) ?? left) + unitPx / 2;
      const role = roleOf(op, result, result.valid === true ? undefined : limitReturn, onPath, verdict);
      const title = `${op.ref.description} — process ${String(op.process)}, invoke index ${op.ref.invokeIndex}, ${op.return === undefined ? 'unknown outcome' : `completed at index ${op.ref.index}`}`;
      return `<div class="op ${role}" title="${escapeHtml(title)}" style="left:${left}px;width:${Math.max(right - left, 6)}px;top:${processes.indexOf(String(op.process)) * rowHeightPx + 3}px">${escapeHtml(op.ref.description)}</div>`;
    })
    .join('');
  const note =
    all.length > ops.length
      ? `<p class="note">Showing operations ${start + 1}–${start + ops.length} of ${all.length}${focus ? ', around the operation in question' : ''}.</p>`
      : '';
  return `${note}<div class="timeline" style="height:${processes.length * rowHeightPx + 6}px"><div style="width:${width}px;height:1px"></div>${lanes}${bars}</div>`;
}

/** Renders a result as one self-contained HTML page. */
export function visualize(input: VisualizeInput): string {
  const { result } = input;
  const prepared = prepareHistory(input.model, input.history, {
    semantics: input.semantics,
    nilReadMatchesAny: input.nilReadMatchesAny ?? false,
  });
  const partitions = partitionOps(prepared as PreparedOp<unknown, unknown>[]);
  const focusKey = result.valid === true ? undefined : result.partition;
  const focus = result.valid === false ? result.op : result.valid === 'unknown' ? result.longestPrefix.frontier : null;
  const ordered = [
    ...partitions.filter((p) => p.key === focusKey),
    ...partitions.filter((p) => p.key !== focusKey),
  ].slice(0, partitionsMax);
  const sections = ordered
    .map((partition) => {
      const report = result.partitions.find((r) => r.key === partition.key);
      const heading = `Partition ${partition.key === null ? '(whole history)' : `<code>${escapeHtml(partition.key)}</code>`} — ${partition.ops.length} ops, ${report ? escapeHtml(String(report.valid)) : ''}`;
      const verdict: PartitionVerdict =
        partition.key === focusKey ? result.valid : (report?.valid ?? (result.valid === true ? true : 'not-checked'));
      return `<h2>${heading}</h2>${timeline(partition, result, partition.key === focusKey ? focus : null, verdict)}`;
    })
    .join('');
  const more =
    partitions.length > ordered.length
      ? `<p class="note">${partitions.length - ordered.length} more partitions not drawn.</p>`
      : '';
  const legend = `<p class="legend"><span><i class="prefix"></i>linearizable prefix</span><span><i class="failing"></i>cannot be linearized</span><span><i class="onpath"></i>on a final path</span><span><i class="unknown"></i>unknown outcome</span><span><i class="later"></i>later / not reached</span><span><i class="notchecked"></i>partition not checked</span></p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(input.title ?? 'Linearizability check')}</title><style>${styles}</style></head><body>
<h1>${escapeHtml(input.title ?? 'Linearizability check')}</h1>
<p><span class="verdict v-${String(result.valid)}">valid? ${escapeHtml(String(result.valid))}</span> model <code>${escapeHtml(result.model)}</code>, ${escapeHtml(result.semantics)} semantics, ${result.ops} operations, ${result.partitions.length} partition(s), search ${result.elapsedMs.toFixed(1)} ms</p>
${failureSection(result)}${legend}${sections}${more}</body></html>
`;
}
