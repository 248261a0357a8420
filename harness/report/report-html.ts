/**
 * report.html: one self-contained page (styles, data and plots inline; no
 * script or font from anywhere else), so it opens from the file system of
 * whoever was handed the run directory. Links point at the run directory's
 * own files, relative to where the page is written.
 */
import { relative, join } from 'node:path';
import type { CheckerEntry } from '../checking/index.js';
import type { Chart } from './report-charts.js';
import type { ReportModel } from './report-model.js';

/** The plots of a report, rendered. */
export interface ReportCharts {
  readonly timelineByProcess: Chart;
  readonly timelineByNode: Chart;
  readonly latency: Chart;
  readonly throughput: Chart;
  readonly nodes: Chart | null;
  readonly linearizability: Chart | null;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const h = escapeHtml;

function verdictText(valid: unknown): string {
  return valid === true ? 'VALID' : valid === false ? 'INVALID' : 'UNKNOWN';
}

function badge(valid: unknown): string {
  const text = verdictText(valid);
  return `<span class="verdict v-${text.toLowerCase()}">${text}</span>`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], className = ''): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  return `<table class="${className}"><thead><tr>${headers.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function seconds(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(3)} s`;
}

interface Links {
  readonly file: (pathInRun: string, text?: string) => string;
  readonly node: (node: string) => string;
}

function linksFor(model: ReportModel, outputDir: string): Links {
  const file = (pathInRun: string, text = pathInRun): string =>
    `<a href="${h(relative(outputDir, join(model.runDir, pathInRun)).split('\\').join('/'))}">${h(text)}</a>`;
  const node = (id: string): string => {
    const files = model.nodeFiles[id] ?? [];
    return `<b>${h(id)}</b>${files.length === 0 ? '' : ` (${files.map((f) => file(f, f.split('/').at(-1))).join(', ')})`}`;
  };
  return { file, node };
}

function verdictSection(model: ReportModel): string {
  const checkers = Object.entries(model.results?.checkers ?? {});
  // A checker with findings links to their table, the others to their full entry.
  const target = (name: string, entry: CheckerEntry): string =>
    Array.isArray((entry as { findings?: unknown }).findings) ? `findings-${name}` : `checker-${name}`;
  const rows = checkers.map(([name, entry]) => [
    `<a href="#${h(target(name, entry))}">${h(name)}</a>`,
    badge(entry.valid),
    h(typeof entry.reason === 'string' ? entry.reason : entry.valid === true ? '' : 'no reason given'),
  ]);
  const notChecked =
    model.results === null ? '<p class="warning">This run has no results.json: it was not checked.</p>' : '';
  return `<section id="verdicts"><h2>Verdicts</h2>${notChecked}${table(['checker', 'verdict', 'why'], rows, 'verdicts')}</section>`;
}

function warningsSection(model: ReportModel): string {
  const items = [
    ...(model.scheduleWarning === null ? [] : [model.scheduleWarning]),
    ...model.warnings.filter((w) => !w.startsWith('the harness fell behind')),
  ];
  if (items.length === 0) return '';
  return `<section id="warnings"><h2>Warnings</h2><ul class="warnings">${items.map((w) => `<li>${h(w)}</li>`).join('')}</ul></section>`;
}

function factsSection(model: ReportModel, links: Links): string {
  const test = model.test as {
    name?: string;
    seed?: number;
    scenario?: string;
    workload?: string;
    startedAt?: string;
    versions?: Record<string, string>;
    config?: Record<string, unknown>;
    imageTag?: string;
    replayOf?: string;
  };
  const config = test.config ?? {};
  const plan = model.execution?.plan ?? null;
  const versions = test.versions ?? {};
  const offered =
    plan === null
      ? '—'
      : `${plan.opsDispatched} of ${plan.opsPlanned} planned${plan.opsSkipped > 0 ? `, ${plan.opsSkipped} skipped` : ''}`;
  const rate =
    plan?.achievedOpsPerSecond === undefined
      ? '—'
      : `${plan.achievedOpsPerSecond.toFixed(1)} ops/s achieved${plan.plannedOpsPerSecond === undefined ? '' : ` (planned ${plan.plannedOpsPerSecond.toFixed(1)})`}`;
  const rows: [string, string][] = [
    ['test', h(String(test.name ?? ''))],
    ['scenario / workload', h(`${test.scenario ?? '—'} / ${test.workload ?? '—'}`)],
    ['seed', h(String(test.seed ?? ''))],
    ['started', h(String(test.startedAt ?? '—'))],
    ['command line', `<code>${h(versions['commandLine'] ?? '—')}</code>`],
    ['git commit', `<code>${h(versions['gitCommit'] ?? '—')}</code>`],
    [
      'versions',
      h(
        Object.entries(versions)
          .filter(([k]) => k !== 'commandLine' && k !== 'gitCommit')
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ),
    ],
    [
      'backend',
      h(
        `${typeof config['backend'] === 'string' ? config['backend'] : '—'}${test.imageTag === undefined ? '' : `, image ${test.imageTag}`}`,
      ),
    ],
    [
      'nodes',
      (Array.isArray(config['nodes']) ? (config['nodes'] as string[]) : model.nodeIds)
        .map((n) => links.node(n))
        .join(', '),
    ],
    [
      'faults requested',
      h(Array.isArray(config['faults']) ? (config['faults'] as string[]).join(', ') || 'none' : '—'),
    ],
    [
      'duration',
      h(
        model.execution === null
          ? `${model.durationS.toFixed(1)} s of history`
          : `${(model.execution.durationMs / 1000).toFixed(1)} s wall, ${model.durationS.toFixed(1)} s of history`,
      ),
    ],
    [
      'client ops',
      h(
        `${model.ops.length} invoked: ${model.counts.ok} ok, ${model.counts.fail} fail, ${model.counts.info} info, ${model.counts.pending} pending; offered ${offered}`,
      ),
    ],
    ['rate', h(rate)],
    [
      'late ops',
      h(
        plan === null
          ? '—'
          : `${plan.opsLate} late (> ${plan.lateThresholdMs} ms)${plan.opsLateByHarness === undefined ? '' : `, ${plan.opsLateByHarness} of them by the harness's own lag`}, lag up to ${plan.maxLagMs} ms`,
      ),
    ],
    ...(test.replayOf === undefined ? [] : [['replay of', h(test.replayOf)] as [string, string]]),
  ];
  const files = [
    'test.json',
    'plan.jsonl',
    'history.jsonl',
    'history.edn',
    'results.json',
    'execution.json',
    'status.jsonl',
    'harness.log',
  ]
    .filter((f) => model.files.includes(f))
    .map((f) => links.file(f))
    .join(' · ');
  return `<section id="facts"><h2>Run</h2><table class="facts"><tbody>${rows.map(([k, v]) => `<tr><th>${h(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table><p class="files">Files: ${files}</p><details><summary>full configuration (test.json)</summary><pre>${h(JSON.stringify(config, null, 2))}</pre></details></section>`;
}

function omittedNote(chart: Chart, what: string): string {
  return chart.omitted === 0
    ? ''
    : `<p class="sampled">Sampled: ${chart.drawn} of ${chart.drawn + chart.omitted} ${what} drawn (every failed, indeterminate and pending op first, then an even sample of the rest).</p>`;
}

function timelineSection(model: ReportModel, charts: ReportCharts): string {
  return `<section id="timeline"><h2>Timeline</h2>
<p>Each client op is a bar from its invocation to its completion (green ok, red fail, orange info, grey never completed). Shaded bands are faults (kind and targets written at the top), dashed rules are rollout steps, red triangles are halts.</p>
<div class="toggle"><label><input type="radio" name="lanes" value="process" checked> lanes by client process</label> <label><input type="radio" name="lanes" value="node"> lanes by node</label></div>
<div class="chart" id="timeline-process">${charts.timelineByProcess.svg}${omittedNote(charts.timelineByProcess, 'ops')}</div>
<div class="chart" id="timeline-node" hidden>${charts.timelineByNode.svg}${omittedNote(charts.timelineByNode, 'ops')}</div></section>`;
}

function latencySection(model: ReportModel, charts: ReportCharts): string {
  const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
  const rows = model.quantiles.map((q) => [
    h(q.f),
    h(q.outcome),
    String(q.count),
    ms(q.p50),
    ms(q.p90),
    ms(q.p99),
    ms(q.max),
  ]);
  return `<section id="latency"><h2>Latency and throughput</h2>
<div class="chart" id="latency-chart">${charts.latency.svg}${omittedNote(charts.latency, 'points')}</div>
<div class="chart" id="throughput-chart">${charts.throughput.svg}</div>
<h3>Latency quantiles per op type (ms)</h3>${table(['op', 'outcome', 'count', 'p50', 'p90', 'p99', 'max'], rows, 'quantiles')}</section>`;
}

function nodesSection(model: ReportModel, charts: ReportCharts, links: Links): string {
  const halts = model.halts.map((x) => [
    links.node(x.node),
    seconds(x.time),
    String(x.haltIndex),
    h(x.error),
    h(x.reason),
  ]);
  const changes = model.nodeChanges.map((c) => [links.node(c.node), seconds(c.time), h(c.field), h(c.from), h(c.to)]);
  const chart =
    charts.nodes === null
      ? '<p class="none">No status samples (status.jsonl): this workload samples no node status.</p>'
      : `<div class="chart" id="nodes-chart">${charts.nodes.svg}</div>`;
  return `<section id="nodes"><h2>Nodes</h2>${chart}<h3>Halts seen</h3>${table(['node', 'time', 'halt index', 'error', 'reason'], halts, 'halts')}
<details><summary>Rollout state changes per node (stage, envelopes, cutover indexes, DEKs): ${changes.length}</summary>${table(['node', 'time', 'field', 'from', 'to'], changes)}</details></section>`;
}

function stepsAndFaultsSection(model: ReportModel): string {
  const steps = model.steps.map((s) => [
    h(s.step),
    h(s.label),
    seconds(s.start),
    seconds(s.end),
    h(s.outcome),
    h(s.node ?? ''),
  ]);
  const faults = model.faults.map((f) => [
    h(f.fault),
    h(f.targets),
    seconds(f.start),
    f.ended ? seconds(f.end) : 'not ended',
  ]);
  return `<section id="rollout"><h2>Rollout steps</h2>${table(['step', 'what', 'invoked', 'completed', 'outcome', 'node'], steps, 'steps')}</section>
<section id="faults"><h2>Faults</h2>${table(['fault', 'targets', 'start', 'end'], faults, 'faults')}</section>`;
}

interface LinearizabilityEntry {
  readonly valid: unknown;
  readonly partitions?: readonly { key: string | null; ops: number; valid: unknown; elapsedMs: number }[];
  readonly partition?: string | null;
  readonly op?: { index: number; process: unknown; description: string; f: string };
  readonly previousOk?: { index: number; process: unknown; description: string } | null;
  readonly finalPaths?: readonly {
    steps: readonly { op: { description: string; index: number }; model: string }[];
    failure: { op: { description: string }; message: string };
  }[];
}

function linearizabilitySection(model: ReportModel, charts: ReportCharts, links: Links): string {
  const entry = model.results?.checkers['linearizability'] as LinearizabilityEntry | undefined;
  if (entry === undefined) return '';
  const partitions = (entry.partitions ?? []).map((p) => [
    h(String(p.key)),
    String(p.ops),
    p.valid === 'not-checked' ? '<span class="verdict v-notchecked">NOT CHECKED</span>' : badge(p.valid),
    `${p.elapsedMs.toFixed(0)} ms`,
  ]);
  const describe = (op: { index: number; process: unknown; description: string } | null | undefined): string =>
    op === null || op === undefined
      ? '—'
      : `${h(op.description)} by process ${h(String(op.process))} (history index ${op.index}, at ${seconds(model.timeOfIndex(op.index))})`;
  const failure =
    entry.valid === false
      ? `<p class="failure">Key <b>${h(String(entry.partition))}</b> is not linearizable. Failing op: <b>${describe(entry.op)}</b>; previous ok op: ${describe(entry.previousOk)}.</p>`
      : '';
  const paths = (entry.finalPaths ?? [])
    .slice(0, 12)
    .map(
      (p) =>
        `<li>${p.steps.map((s) => `${h(s.op.description)} → ${h(s.model)}`).join(' ; ')} ; <b>${h(p.failure.op.description)}</b>: ${h(p.failure.message)}</li>`,
    )
    .join('');
  const chart =
    charts.linearizability === null
      ? ''
      : `<div class="chart" id="linearizability-chart">${charts.linearizability.svg}${omittedNote(charts.linearizability, 'ops')}</div>`;
  const detail =
    model.linearizabilityHtml === null
      ? ''
      : `<p>Step-by-step explanation: ${links.file(model.linearizabilityHtml)}</p>`;
  return `<section id="linearizability"><h2>Linearizability ${badge(entry.valid)}</h2>${failure}${chart}${paths === '' ? '' : `<h3>Final paths</h3><ol class="paths">${paths}</ol>`}${detail}
<h3>Keys</h3>${table(['key', 'ops', 'verdict', 'search time'], partitions, 'partitions')}</section>`;
}

interface FindingLike {
  readonly invariant?: string;
  readonly message?: string;
  readonly nodes?: readonly string[];
  readonly opIndex?: number;
  readonly time?: number;
  readonly path?: string;
  readonly details?: unknown;
  readonly undecided?: boolean;
}

function findingsSection(model: ReportModel, links: Links): string {
  const withFindings = Object.entries(model.results?.checkers ?? {}).filter(([, entry]) =>
    Array.isArray((entry as { findings?: unknown }).findings),
  );
  if (withFindings.length === 0) return '';
  const blocks = withFindings.map(([name, entry]) => {
    const findings = (entry as unknown as { findings: FindingLike[] }).findings;
    const rows = findings.map((f) => [
      h(f.invariant ?? ''),
      f.undecided === true ? 'undecided' : 'violation',
      (f.nodes ?? []).map((n) => links.node(n)).join('<br>'),
      f.time === undefined
        ? f.opIndex === undefined
          ? '—'
          : seconds(model.timeOfIndex(f.opIndex))
        : seconds(f.time / 1e9),
      f.opIndex === undefined ? '—' : String(f.opIndex),
      f.path === undefined ? '—' : links.file(f.path),
      h(f.message ?? ''),
      f.details === undefined
        ? ''
        : `<details><summary>details</summary><pre>${h(JSON.stringify(f.details, null, 1))}</pre></details>`,
    ]);
    return `<h3 id="findings-${h(name)}">${h(name)} ${badge(entry.valid)}</h3>${table(['invariant', 'kind', 'nodes', 'time', 'op', 'file', 'finding', ''], rows, `findings findings-${h(name)}`)}`;
  });
  return `<section id="findings"><h2>Findings of the rollout checkers</h2>${blocks.join('')}</section>`;
}

function checkerDetails(model: ReportModel): string {
  const entries = Object.entries(model.results?.checkers ?? {});
  const body = entries.map(([name, entry]: [string, CheckerEntry]) => {
    const json = JSON.stringify(entry, null, 1);
    const shown = json.length > 200_000 ? `${json.slice(0, 200_000)}\n… (cut: see results.json)` : json;
    return `<details id="checker-${h(name)}"${entry.valid === true ? '' : ' open'}><summary>${h(name)} ${badge(entry.valid)}</summary><pre>${h(shown)}</pre></details>`;
  });
  return `<section id="checkers"><h2>Checker details</h2>${body.join('')}</section>`;
}

const style = `body{font:14px/1.4 system-ui,sans-serif;margin:0 24px 48px;color:#222}h1{margin:16px 0 4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f6f6f6}
.verdict{display:inline-block;padding:1px 8px;border-radius:4px;color:#fff;font-weight:bold;font-size:12px}.v-valid{background:#2e7d32}.v-invalid{background:#c62828}.v-unknown{background:#ef6c00}.v-notchecked{background:#757575}
.big .verdict{font-size:22px;padding:4px 14px}.warnings li,.warning{color:#8a4b00}.warnings{background:#fff4e0;border:1px solid #f0c080;padding:8px 8px 8px 28px}
.chart{overflow-x:auto;margin:8px 0}.sampled{color:#555;font-style:italic}.failure{background:#fdecea;border:1px solid #f5c2c0;padding:8px}pre{max-height:400px;overflow:auto;background:#fafafa;padding:6px;font-size:12px}
.none{color:#777}code{font-size:12px}nav a{margin-right:12px}#tip{position:absolute;background:#222;color:#fff;padding:3px 6px;border-radius:3px;font-size:12px;pointer-events:none;max-width:600px}`;

// The op under the pointer, from its bar's aria-label, in a box that follows the pointer.
const tooltipScript = `var tip=document.getElementById('tip');document.querySelectorAll('.chart svg').forEach(function(svg){
svg.addEventListener('mousemove',function(e){var t=e.target.closest('[aria-label]');if(!t||t.getAttribute('role')!=='graphics-symbol'){tip.hidden=true;return;}
tip.textContent=t.getAttribute('aria-label');tip.style.left=(e.pageX+12)+'px';tip.style.top=(e.pageY+12)+'px';tip.hidden=false;});
svg.addEventListener('mouseleave',function(){tip.hidden=true;});});`;

const script = `document.querySelectorAll('input[name=lanes]').forEach(function(input){input.addEventListener('change',function(){
document.getElementById('timeline-process').hidden=input.value!=='process'||!input.checked;document.getElementById('timeline-node').hidden=input.value!=='node'||!input.checked;});});`;

/** The summary the page carries as JSON (for tools and the browser test): what is drawn, and the verdicts. */
export function reportSummary(model: ReportModel, charts: ReportCharts): Record<string, unknown> {
  return {
    valid: model.results?.valid ?? null,
    checkers: Object.fromEntries(
      Object.entries(model.results?.checkers ?? {}).map(([name, entry]) => [
        name,
        { valid: entry.valid, reason: entry.reason ?? null },
      ]),
    ),
    ops: model.ops.length,
    opsDrawn: charts.timelineByProcess.drawn,
    faults: model.faults.length,
    steps: model.steps.length,
    halts: model.halts.length,
    durationS: model.durationS,
  };
}

/** The whole page. */
export function renderReportHtml(model: ReportModel, charts: ReportCharts, outputDir: string): string {
  const links = linksFor(model, outputDir);
  const testName = (model.test as { name?: unknown }).name;
  const name = typeof testName === 'string' ? testName : 'run';
  const summary = JSON.stringify(reportSummary(model, charts)).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${h(name)} — ${verdictText(model.results?.valid)}</title><style>${style}</style></head>
<body><h1 class="big">${h(name)} ${badge(model.results?.valid)}</h1><p>${h(model.runDir)}</p>
<nav><a href="#verdicts">verdicts</a><a href="#facts">run</a><a href="#timeline">timeline</a><a href="#latency">latency</a><a href="#nodes">nodes</a><a href="#rollout">rollout</a><a href="#faults">faults</a><a href="#linearizability">linearizability</a><a href="#findings">findings</a><a href="#checkers">details</a></nav>
${verdictSection(model)}${warningsSection(model)}${factsSection(model, links)}${timelineSection(model, charts)}${latencySection(model, charts)}${nodesSection(model, charts, links)}${stepsAndFaultsSection(model)}${linearizabilitySection(model, charts, links)}${findingsSection(model, links)}${checkerDetails(model)}
<script type="application/json" id="report-summary">${summary}</script>
<div id="tip" hidden></div><script>${script}${tooltipScript}</script></body></html>
`;
}
