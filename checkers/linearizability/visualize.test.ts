import { describe, expect, it } from 'vitest';
import type { HistoryOp } from '../history/index.js';
import { simulateRegisterHistory } from '../testing/index.js';
import { casRegisterModel, check, resultToEdn, visualize } from './index.js';

const rows: HistoryOp[] = [
  { index: 0, process: 0, type: 'invoke', f: 'write', value: '<b>' },
  { index: 1, process: 0, type: 'ok', f: 'write', value: '<b>' },
  { index: 2, process: 1, type: 'invoke', f: 'read', value: null },
  { index: 3, process: 1, type: 'ok', f: 'read', value: 'x' },
];

describe('visualize and EDN output', () => {
  it('explains a failure with escaped values and no external resources', () => {
    const model = casRegisterModel();
    const result = check(model, rows);
    const html = visualize({ result, history: rows, model, semantics: 'knossos' });
    expect(html).toContain('Cannot linearize');
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>"');
    expect(html).toContain('class="op failing"');
    expect(html).not.toMatch(/<script|src=|href=/);
  });

  it('draws a valid result and a large partition as a window of ops', () => {
    const history = simulateRegisterHistory({ seed: 5, ops: 1000, processes: 4, keys: 0, unknownRate: 0.05 });
    const model = casRegisterModel();
    const result = check(model, history);
    expect(result.valid).toBe(true);
    const html = visualize({ result, history, model, semantics: 'knossos' });
    expect(html).toContain('valid? true');
    expect(html).toMatch(/Showing operations 1–300 of \d+/);
  });

  it('prints unknown results with the cause and the longest prefix, in EDN', () => {
    const controller = new AbortController();
    controller.abort();
    const history = simulateRegisterHistory({
      seed: 3,
      ops: 300,
      processes: 8,
      keys: 0,
      unknownRate: 0.2,
      values: 4,
      cas: true,
    });
    const reads = history.filter((op) => op.type === 'ok' && op.f === 'read');
    const victim = reads[Math.floor(reads.length * 0.8)];
    const hard = history.map((op) => (op === victim ? { ...op, value: 'never-written' } : op));
    const result = check(casRegisterModel(), hard, { signal: controller.signal });
    expect(resultToEdn(result)).toMatch(
      /^\{:valid\? :unknown, .*:cause :cancelled, :longest-prefix \{:ok-ops \d+, :last-ok/,
    );
    expect(resultToEdn(check(casRegisterModel(), rows.slice(0, 2)))).toMatch(/^\{:valid\? true, :model "cas-register"/);
  });

  it('draws the ops of a partition the search stopped before as not checked, not as linearizable', () => {
    const keyed: HistoryOp[] = [
      { index: 0, process: 0, type: 'invoke', f: 'write', key: 'a', value: 1 },
      { index: 1, process: 0, type: 'ok', f: 'write', key: 'a', value: 1 },
      { index: 2, process: 1, type: 'invoke', f: 'read', key: 'a', value: null },
      { index: 3, process: 1, type: 'ok', f: 'read', key: 'a', value: 2 },
      { index: 4, process: 2, type: 'invoke', f: 'write', key: 'b', value: 1 },
      { index: 5, process: 2, type: 'ok', f: 'write', key: 'b', value: 1 },
    ];
    const model = casRegisterModel();
    const result = check(model, keyed);
    expect(result.partitions.map((p) => [p.key, p.valid])).toEqual([
      ['a', false],
      ['b', 'not-checked'],
    ]);
    const html = visualize({ result, history: keyed, model, semantics: 'knossos' });
    const partitionB = html.slice(html.indexOf('Partition <code>b</code>'));
    expect(partitionB).toContain('class="op notchecked"');
    expect(partitionB).not.toContain('class="op prefix"');
    // Checked to the end, a partition's ops are the linearizable prefix.
    const valid = check(model, keyed.slice(4));
    expect(visualize({ result: valid, history: keyed.slice(4), model, semantics: 'knossos' })).toContain(
      'class="op prefix"',
    );
  });
});
