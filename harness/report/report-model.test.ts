// The report's model and page without a browser: what a large run samples
// (and says it sampled), what a broken run directory does to the report
// (an error to print, not a throw), and the times of ops and faults.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReportModel, renderReport, timelineBarsMax, writeReport } from './index.js';
import { sampleOps } from './report-model.js';
import { writeSyntheticRun } from './testing/index.js';

const root = mkdtempSync(join(tmpdir(), 'ekv-report-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the report model', () => {
  it('sampling keeps every op the predicate selects (up to half the cap) and an even stride of the rest', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const { items: kept, omitted } = sampleOps(items, 1_000, (i) => i % 100 === 0);
    expect(kept).toHaveLength(1_000);
    expect(omitted).toBe(9_000);
    for (let i = 0; i < 10_000; i += 100) expect(kept).toContain(i);
    expect(sampleOps(items, 20_000, () => false)).toEqual({ items, omitted: 0 });
  });

  it('places ops, faults and rollout steps in seconds since the start, and counts outcomes', async () => {
    const run = await writeSyntheticRun(join(root, 'small'), { ops: 200, seed: 5 });
    const model = buildReportModel(run.dir, run.results);
    expect(model.ops).toHaveLength(200);
    expect(model.counts.ok + model.counts.fail + model.counts.info + model.counts.pending).toBe(200);
    expect(model.faults.map((f) => [f.fault, f.targets])).toEqual([
      ['partition-halves', 'n1✕n2+n3'],
      ['kill-leader', 'n2'],
    ]);
    for (const fault of model.faults) expect(fault.end).toBeGreaterThan(fault.start);
    expect(model.steps.map((s) => s.label)).toEqual([
      'bootstrap @10',
      'enable-storage-envelope @40',
      'enable-raft-envelope @80',
    ]);
    expect(model.nodeSpans.some((s) => s.node === 'n2' && s.state === 'down')).toBe(true);
    for (const op of model.ops) expect(op.end).toBeGreaterThanOrEqual(op.start);
    expect(model.quantiles.find((q) => q.f === 'read' && q.outcome === 'all')?.count).toBe(
      model.ops.filter((o) => o.f === 'read' && o.outcome !== 'pending').length,
    );
  });

  it('a large run is sampled on the timeline and the page says so', async () => {
    const run = await writeSyntheticRun(join(root, 'large'), { ops: 6_000, seed: 6, processes: 10 });
    const html = await renderReport(run.dir);
    expect(html).toContain(`Sampled: ${timelineBarsMax} of 6000 ops drawn`);
    expect(html.match(/<script[^>]*src=/)).toBeNull();
    expect(html).not.toMatch(/https?:\/\/(?!vega\.github\.io|www\.w3\.org)/);
  });

  it('a run directory that cannot be read gives an error to print, not a throw', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const written = await writeReport(empty);
    expect(written).toEqual({ error: expect.stringMatching(/^report\.html could not be written: .*history\.jsonl/) });
  });

  it('a re-check report links the run files from checks/<time>/', async () => {
    const run = await writeSyntheticRun(join(root, 'recheck'), { ops: 50, seed: 7 });
    const outputDir = join(run.dir, 'checks', 't1');
    mkdirSync(outputDir, { recursive: true });
    const written = await writeReport(run.dir, { outputDir, results: run.results });
    expect(written).toEqual({ path: join(outputDir, 'report.html') });
    const html = readFileSync(join(outputDir, 'report.html'), 'utf8');
    expect(html).toContain('href="../../nodes/n1/node.log"');
    expect(html).toContain('href="../../history.jsonl"');
  });
});
