/**
 * The report's plots, as Vega-Lite specs rendered to static SVG at report
 * time (vega's headless renderer), so report.html needs no script library,
 * no network and no server. Every time plot shares the x axis (seconds since
 * the test started) and shades the fault windows. Mark names ("ops",
 * "faults", "latency", …) become CSS classes of the SVG groups
 * (`<name>_marks`), which the browser test looks for.
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { ReportFault, ReportModel, ReportOp, ReportStep } from './report-model.js';
import { latencyPointsMax, sampleOps, timelineBarsMax } from './report-model.js';

/** A rendered plot and what it left out. */
export interface Chart {
  readonly svg: string;
  /** Items not drawn because of the caps (0 when everything is drawn). */
  readonly omitted: number;
  readonly drawn: number;
}

const width = 1100;
const outcomeColours = {
  domain: ['ok', 'fail', 'info', 'pending'],
  range: ['#2e9e44', '#d62728', '#ff9f1c', '#9e9e9e'],
};

type Layer = Record<string, unknown>;

function timeAxis(durationS: number, fromS = 0): Record<string, unknown> {
  return {
    field: 'x',
    type: 'quantitative',
    title: 'seconds since the test started',
    scale: { domain: [fromS, Math.max(durationS, fromS + 0.001)], nice: false, zero: fromS === 0, clamp: true },
  };
}

/** The fault windows as shaded bands with their kind and targets written at the top. */
function faultLayers(faults: readonly ReportFault[], durationS: number, suffix = '', labels = true): Layer[] {
  if (faults.length === 0) return [];
  const values = faults.map((f, i) => ({
    x: f.start,
    x2: f.end,
    label: `${f.fault}${f.targets === '' ? '' : ` ${f.targets}`}`,
    row: i % 2,
  }));
  // Labels alternate between two rows (pixel offsets), so adjacent bands do not write over each other.
  return [
    {
      name: `faults${suffix}`,
      data: { values },
      mark: { type: 'rect', color: '#7b5ea7', opacity: 0.13 },
      encoding: { x: timeAxis(durationS), x2: { field: 'x2' } },
    },
    ...[0, 1]
      .filter((row) => labels && values.some((v) => v.row === row))
      .map((row) => ({
        name: `faultlabels${suffix}${row}`,
        data: { values: values.filter((v) => v.row === row) },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 2, fontSize: 9, color: '#5b3e87', limit: 160 },
        encoding: { x: timeAxis(durationS), y: { value: 2 + row * 10 }, text: { field: 'label' } },
      })),
  ];
}

/** The rollout steps as vertical rules with labels (bootstrap, cutovers @index, rotations, stage upgrades, restarts). */
function stepLayers(steps: readonly ReportStep[], durationS: number, labels: boolean, suffix = ''): Layer[] {
  if (steps.length === 0) return [];
  const values = steps.map((s, i) => ({ x: s.end ?? s.start, label: s.label, outcome: s.outcome, row: i % 4 }));
  const rules: Layer = {
    name: `steps${suffix}`,
    data: { values },
    mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
    encoding: {
      x: timeAxis(durationS),
      color: { field: 'outcome', type: 'nominal', scale: outcomeColours, legend: null },
    },
  };
  if (!labels) return [rules];
  // Labels in four rows near the top (pixel offsets, so they do not take part in the y scale of the lanes).
  const rows = [0, 1, 2, 3].filter((row) => values.some((v) => v.row === row));
  const texts: Layer[] = rows.map((row) => ({
    name: `steplabels${suffix}${row}`,
    data: { values: values.filter((v) => v.row === row) },
    mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10, fontWeight: 'bold', color: '#1f3b73' },
    encoding: { x: timeAxis(durationS), y: { value: 24 + row * 12 }, text: { field: 'label' } },
  }));
  return [rules, ...texts];
}

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function layered(title: string, height: number, layers: Layer[], resolve: Record<string, unknown> = {}): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width,
    height,
    layer: layers,
    resolve,
    config: { view: { stroke: '#ccc' }, font: 'sans-serif', aria: false },
  } as unknown as TopLevelSpec;
}

/** One line about an op: the page shows it when the pointer is on the op's bar (the bar's aria-label). */
function describeOp(op: ReportOp): string {
  return `${op.f}${op.key === null ? '' : ` ${op.key}`} by p${op.process}${op.node === null ? '' : ` on ${op.node}`}: ${op.outcome}${op.error === null ? '' : ` (${op.error})`}, ${op.latencyMs.toFixed(1)} ms from ${op.start.toFixed(3)} s, history index ${op.index}`;
}

function keepNotOk(op: ReportOp): boolean {
  return op.outcome !== 'ok';
}

/** The op timeline: one bar per op from invoke to completion, a lane per process (or per node), halts on the node lanes. */
export async function timelineChart(model: ReportModel, lanes: 'process' | 'node'): Promise<Chart> {
  const sampled = sampleOps(model.ops, timelineBarsMax, keepNotOk);
  const laneOf = (op: ReportOp): string => (lanes === 'process' ? `p${op.process}` : (op.node ?? 'no node'));
  const values = sampled.items.map((op) => ({
    x: op.start,
    x2: Math.max(op.end, op.start + 0.002),
    lane: laneOf(op),
    outcome: op.outcome,
    f: op.f,
    tip: describeOp(op),
  }));
  const laneNames = [...new Set(values.map((v) => v.lane))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const haltValues = model.halts.map((h) => ({
    x: h.time,
    lane: lanes === 'node' ? h.node : `halt ${h.node}`,
    label: `halt ${h.node} @${h.haltIndex}`,
  }));
  const domain = [...laneNames, ...(lanes === 'process' ? [...new Set(haltValues.map((h) => h.lane))] : [])];
  const y = {
    field: 'lane',
    type: 'ordinal',
    title: lanes === 'process' ? 'client process' : 'node',
    scale: { domain },
  };
  const layers: Layer[] = [
    ...faultLayers(model.faults, model.durationS),
    {
      name: 'ops',
      data: { values },
      mark: { type: 'bar', cornerRadius: 1, aria: true },
      encoding: {
        x: timeAxis(model.durationS),
        x2: { field: 'x2' },
        y,
        color: { field: 'outcome', type: 'nominal', title: 'outcome', scale: outcomeColours },
        description: { field: 'tip' },
      },
    },
    ...stepLayers(model.steps, model.durationS, true),
  ];
  if (haltValues.length > 0) {
    layers.push({
      name: 'halts',
      data: { values: haltValues },
      mark: { type: 'point', shape: 'triangle-down', size: 160, filled: true, color: '#b00020' },
      encoding: { x: timeAxis(model.durationS), y },
    });
    layers.push({
      name: 'haltlabels',
      data: { values: haltValues },
      mark: { type: 'text', dx: 8, align: 'left', fontSize: 10, color: '#b00020' },
      encoding: { x: timeAxis(model.durationS), y, text: { field: 'label' } },
    });
  }
  const height = Math.min(Math.max(domain.length * 16, 120), 700);
  const svg = await render(
    layered(lanes === 'process' ? 'Operations by client process' : 'Operations by node', height, layers, {
      scale: { color: 'independent', y: 'shared' },
    }),
  );
  return { svg, omitted: sampled.omitted, drawn: values.length };
}

/** Latency of every op over time (log scale), by op type and outcome. */
export async function latencyChart(model: ReportModel): Promise<Chart> {
  const completed = model.ops.filter((op) => op.outcome !== 'pending');
  const sampled = sampleOps(completed, latencyPointsMax, keepNotOk);
  const values = sampled.items.map((op) => ({ x: op.start, latency: op.latencyMs, outcome: op.outcome, f: op.f }));
  const layers: Layer[] = [
    ...faultLayers(model.faults, model.durationS),
    {
      name: 'latency',
      data: { values },
      mark: { type: 'point', size: 10, opacity: 0.6, strokeWidth: 1 },
      encoding: {
        x: timeAxis(model.durationS),
        y: { field: 'latency', type: 'quantitative', title: 'latency (ms, log)', scale: { type: 'log' } },
        color: { field: 'outcome', type: 'nominal', scale: outcomeColours },
        shape: { field: 'f', type: 'nominal', title: 'op' },
      },
    },
    ...stepLayers(model.steps, model.durationS, false),
  ];
  const svg = await render(layered('Latency of each operation', 320, layers, { scale: { color: 'independent' } }));
  return { svg, omitted: sampled.omitted, drawn: values.length };
}

/** Completions per second by outcome. */
export async function throughputChart(model: ReportModel): Promise<Chart> {
  const values = model.throughput.map((b) => ({ x: b.second + 0.5, rate: b.count, outcome: b.outcome }));
  const layers: Layer[] = [
    ...faultLayers(model.faults, model.durationS),
    {
      name: 'throughput',
      data: { values },
      mark: { type: 'line', point: { size: 12 }, interpolate: 'monotone' },
      encoding: {
        x: timeAxis(model.durationS),
        y: { field: 'rate', type: 'quantitative', title: 'completions per second' },
        color: { field: 'outcome', type: 'nominal', scale: outcomeColours },
      },
    },
    ...stepLayers(model.steps, model.durationS, false),
  ];
  const svg = await render(
    layered('Throughput (completions per second)', 220, layers, { scale: { color: 'independent' } }),
  );
  return { svg, omitted: 0, drawn: values.length };
}

const stateColours: Readonly<Record<string, string>> = {
  leader: '#1f77b4',
  follower: '#aec7e8',
  candidate: '#ffbb78',
  preCandidate: '#ffe0b2',
  learner: '#c5b0d5',
  halted: '#b00020',
  paused: '#8c564b',
  down: '#333333',
  'no answer': '#bdbdbd',
  unknown: '#eeeeee',
};
const extraStateColours = ['#17becf', '#bcbd22', '#e377c2', '#7f7f7f'];

/** The node-state colour scale over the states that occur (a state this list does not know still gets a colour). */
function stateScale(states: readonly string[]): { domain: string[]; range: string[] } {
  const present = new Set(states);
  const known = Object.keys(stateColours).filter((state) => present.has(state));
  const extra = [...present].filter((state) => stateColours[state] === undefined).sort();
  return {
    domain: [...known, ...extra],
    range: [
      ...known.map((state) => stateColours[state] ?? ''),
      ...extra.map((_, i) => extraStateColours[i % extraStateColours.length] ?? '#7f7f7f'),
    ],
  };
}

/** Per node: its state between samples (role, halted, paused, down) and its applied index over time. */
export async function nodeStatusChart(model: ReportModel): Promise<Chart | null> {
  if (model.nodeSpans.length === 0) return null;
  const spans = model.nodeSpans.map((s) => ({
    x: s.start,
    x2: Math.max(s.end, s.start + 0.01),
    node: s.node,
    state: s.state,
  }));
  const points = model.nodePoints.map((p) => ({ x: p.time, applied: p.appliedIndex, node: p.node }));
  const halts = model.halts.map((h) => ({ x: h.time, node: h.node, label: `halted @${h.haltIndex} ${h.error}` }));
  const x = timeAxis(model.durationS);
  const strip: Layer = {
    height: Math.max(model.nodeIds.length * 22, 60),
    width,
    layer: [
      ...faultLayers(model.faults, model.durationS, '', false),
      {
        name: 'nodestate',
        data: { values: spans },
        mark: { type: 'bar' },
        encoding: {
          x,
          x2: { field: 'x2' },
          y: { field: 'node', type: 'ordinal' },
          color: {
            field: 'state',
            type: 'nominal',
            title: 'node state',
            scale: stateScale(spans.map((span) => span.state)),
          },
        },
      },
      ...(halts.length === 0
        ? []
        : [
            {
              name: 'nodehalts',
              data: { values: halts },
              mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#fff', fontWeight: 'bold' },
              encoding: { x, y: { field: 'node', type: 'ordinal' }, text: { field: 'label' } },
            },
          ]),
      ...stepLayers(model.steps, model.durationS, false),
    ],
    resolve: { scale: { color: 'independent' } },
  };
  const applied: Layer = {
    height: 200,
    width,
    layer: [
      ...faultLayers(model.faults, model.durationS, 'applied'),
      {
        name: 'applied',
        data: { values: points },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: 'applied', type: 'quantitative', title: 'applied index' },
          color: { field: 'node', type: 'nominal' },
        },
      },
      ...stepLayers(model.steps, model.durationS, false, 'applied'),
    ],
    resolve: { scale: { color: 'independent' } },
  };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Nodes over time (status samples)',
    vconcat: [strip, applied],
    resolve: { scale: { color: 'independent' } },
    config: { view: { stroke: '#ccc' }, font: 'sans-serif', aria: false },
  } as unknown as TopLevelSpec;
  return { svg: await render(spec), omitted: 0, drawn: spans.length + points.length };
}

/** The ops of the failing key on the time axis (zoomed to that key's ops), the failing op and the previous ok op marked and named. */
export async function linearizabilityChart(
  model: ReportModel,
  key: string | null,
  marks: { readonly failing: number | null; readonly previousOk: number | null },
): Promise<Chart> {
  const ops = model.ops.filter((op) => key === null || op.key === key);
  const sampled = sampleOps(
    ops,
    timelineBarsMax,
    (op) => op.index === marks.failing || op.index === marks.previousOk || op.outcome !== 'ok',
  );
  const is = (op: ReportOp, index: number | null): boolean =>
    index !== null && (op.index === index || op.completionIndex === index);
  const role = (op: ReportOp): string =>
    is(op, marks.failing) ? 'failing op' : is(op, marks.previousOk) ? 'previous ok' : op.outcome;
  const values = sampled.items.map((op) => ({
    x: op.start,
    x2: Math.max(op.end, op.start + 0.0005),
    lane: `p${op.process}`,
    role: role(op),
    label:
      role(op) === 'failing op' || role(op) === 'previous ok'
        ? `${role(op)}: ${op.f} (index ${op.completionIndex ?? op.index})`
        : '',
    tip: describeOp(op),
  }));
  const lanes = [...new Set(values.map((v) => v.lane))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const first = Math.min(...values.map((v) => v.x));
  const last = Math.max(...values.map((v) => v.x2));
  const margin = Math.max((last - first) * 0.1, 0.05);
  const from = Math.max(0, first - margin);
  const to = Math.min(Math.max(model.durationS, last), last + margin);
  const colours = {
    domain: ['failing op', 'previous ok', ...outcomeColours.domain],
    range: ['#000000', '#1f77b4', ...outcomeColours.range],
  };
  const x = timeAxis(to, from);
  const y = { field: 'lane', type: 'ordinal', title: 'client process', scale: { domain: lanes } };
  const faults = model.faults
    .filter((f) => f.end >= from && f.start <= to)
    .map((f) => ({ ...f, start: Math.max(f.start, from), end: Math.min(f.end, to) }));
  const layers: Layer[] = [
    ...faultLayers(faults, to).map((layer) => ({ ...layer, encoding: { ...(layer['encoding'] as object), x } })),
    {
      name: 'linops',
      data: { values },
      mark: { type: 'bar', aria: true },
      encoding: {
        x,
        x2: { field: 'x2' },
        y,
        color: { field: 'role', type: 'nominal', title: 'op', scale: colours },
        description: { field: 'tip' },
      },
    },
    {
      name: 'linlabels',
      data: { values: values.filter((v) => v.label !== '') },
      mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, fontWeight: 'bold' },
      encoding: { x: { ...x, field: 'x2' }, y, text: { field: 'label' } },
    },
  ];
  const title = `Operations on ${key === null ? 'the history' : `key ${key}`} (${from.toFixed(2)}–${to.toFixed(2)} s)`;
  const svg = await render(
    layered(title, Math.min(Math.max(lanes.length * 22, 80), 500), layers, { scale: { color: 'independent' } }),
  );
  return { svg, omitted: sampled.omitted, drawn: values.length };
}
