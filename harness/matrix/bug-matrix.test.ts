import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  compareIds,
  matrixTable,
  parseShard,
  planMatrix,
  readRunOutcome,
  seedsOf,
  shardOf,
  summarizeMatrix,
} from './index.js';
import type { BugCase, MatrixRun, MatrixRunSpec } from './index.js';

const bug = (id: string, scenario: string, extra: Partial<BugCase> = {}): BugCase => ({
  id,
  summary: `${id} summary`,
  scenario,
  options: ['--time-limit', '10'],
  caughtBy: ['halt-apply'],
  detectedShare: 1,
  ...extra,
});
const cases = [
  bug('B7', 'phase2'),
  bug('B3', 'phase2'),
  bug('B16', 'phase1'),
  bug('H5', 'join', { hazard: true, caughtBy: ['convergence'] }),
];

function finished(
  spec: MatrixRunSpec,
  verdict: MatrixRun['verdict'],
  fired: string[] = [],
  detectionSeconds: number | null = null,
): MatrixRun {
  return {
    ...spec,
    exitCode: verdict === 'valid' ? 0 : 1,
    verdict,
    fired,
    detectionSeconds,
    reason: fired.length === 0 ? null : `${fired[0]}: boom`,
    runDir: null,
    wallSeconds: 1,
  };
}

describe('planMatrix', () => {
  it('runs each bug per seed with its switch, next to one control per scenario, options and seed; a hazard runs without a switch or control', () => {
    const specs = planMatrix(cases, seedsOf(2), ['--backend', 'local']);
    const controls = specs.filter((s) => s.caseId === null);
    expect(controls.map((c) => [c.scenario, c.seed])).toEqual([
      ['phase2', 101],
      ['phase2', 102],
      ['phase1', 101],
      ['phase1', 102],
    ]);
    const b7 = specs.find((s) => s.name === 'B7-s102')!;
    expect(b7.args).toEqual([
      'test',
      '--scenario',
      'phase2',
      '--seed',
      '102',
      '--time-limit',
      '10',
      '--backend',
      'local',
      '--bug',
      'B7',
    ]);
    expect(b7.control).toBe(specs.find((s) => s.name === 'B3-s102')!.control);
    expect(controls.find((c) => c.name === b7.control)!.args).toEqual(b7.args.slice(0, -2));
    const h5 = specs.filter((s) => s.caseId === 'H5');
    expect(h5.map((s) => [s.control, s.args.includes('--bug')])).toEqual([
      [null, false],
      [null, false],
    ]);
    expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
  });

  it('different options make different controls', () => {
    const specs = planMatrix(
      [bug('B7', 'phase2'), bug('B4', 'phase2', { options: ['--time-limit', '30'] })],
      [101],
      [],
    );
    expect(specs.filter((s) => s.caseId === null)).toHaveLength(2);
  });
});

describe('summarizeMatrix', () => {
  const specs = planMatrix(cases, seedsOf(2), []);
  const byName = (name: string): MatrixRunSpec => specs.find((s) => s.name === name)!;

  it('passes when every bug is caught by a named checker in its share of seeds and every control is VALID', () => {
    const runs = specs.map((s) =>
      s.caseId === null
        ? finished(s, 'valid')
        : finished(s, 'invalid', s.caseId === 'H5' ? ['convergence'] : ['halt-apply', 'stats'], s.seed - 100),
    );
    const summary = summarizeMatrix(cases, runs);
    expect(summary.pass).toBe(true);
    expect(summary.rows.map((r) => r.id)).toEqual(['B3', 'B7', 'B16', 'H5']);
    expect(summary.rows[0]).toMatchObject({
      detected: 2,
      seeds: 2,
      caughtBy: { 'halt-apply': 2 },
      detectionSeconds: { min: 1, median: 1 },
      controls: { valid: 2, total: 2 },
    });
    expect(summary.rows[3]!.controls).toBeNull();
    const table = matrixTable(summary);
    expect(table).toMatch(/^bug\s+scenario\s+detected\s+caught by\s+s to first failing op\s+control/);
    expect(table).toMatch(
      /B16\s+phase1\s+2\/2\s+halt-apply\s+1\.0 \(median 1\.0\)|B16\s+phase1\s+2\/2\s+halt-apply\s+1\.0/,
    );
    expect(table).toMatch(/H5 .*hazard: none\s+ok/);
    expect(table).toMatch(/every bug caught, every control VALID \(4 bugs\)\n$/);
  });

  it('fails a bug caught too rarely, or only by a checker it does not name, and a bug whose control is not VALID', () => {
    const runs = specs.map((s) => {
      if (s.caseId === null) return finished(s, s.scenario === 'phase1' && s.seed === 102 ? 'unknown' : 'valid');
      if (s.name === 'B7-s102') return finished(s, 'valid');
      if (s.caseId === 'B3') return finished(s, 'invalid', ['linearizability']);
      return finished(s, 'invalid', ['halt-apply', 'convergence'], 3);
    });
    const summary = summarizeMatrix(cases, runs);
    expect(summary.pass).toBe(false);
    const row = (id: string) => summary.rows.find((r) => r.id === id)!;
    expect(row('B7')).toMatchObject({
      detected: 1,
      pass: false,
      problem: 'caught in 1 of 2 seeds, below the declared 100%',
    });
    expect(row('B3')).toMatchObject({ detected: 0, pass: false });
    expect(row('B16')).toMatchObject({ detected: 2, pass: false, problem: '1 of 2 controls not VALID' });
    expect(row('B16').controls!.notValid).toEqual([`${byName('B16-s102').control}: unknown`]);
    expect(row('H5').pass).toBe(true);
    expect(matrixTable(summary)).toMatch(/3 of 4 bugs not proven/);
  });

  it('a declared share below 1 tolerates a miss; a bug without runs does not pass', () => {
    const lenient = [bug('B7', 'phase2', { detectedShare: 0.5 }), bug('B9', 'phase2')];
    const specs2 = planMatrix([lenient[0]!], seedsOf(2), []);
    const runs = specs2.map((s) =>
      s.caseId === null ? finished(s, 'valid') : finished(s, s.seed === 101 ? 'invalid' : 'valid', ['halt-apply']),
    );
    const summary = summarizeMatrix(lenient, runs);
    expect(summary.rows.map((r) => [r.id, r.pass, r.problem])).toEqual([
      ['B7', true, null],
      ['B9', false, 'no run'],
    ]);
  });
});

describe('shards and ids', () => {
  it('parses i/n and names what is wrong', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('4')).toThrow('--shard: expected I/N (e.g. 2/4), got "4"');
    expect(() => parseShard('0/3')).toThrow('--shard: I must be in 1..3, got 0');
    expect(() => parseShard('5/4')).toThrow('--shard: I must be in 1..4, got 5');
    expect(() => parseShard('1/0')).toThrow('--shard: N must be in 1..1000, got 0');
  });

  it('shards are disjoint, cover every case, and do not depend on the input order', () => {
    const ids = ['B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B11', 'B13', 'B16', 'E1', 'H5'].map((id) => ({ id }));
    const parts = [1, 2, 3].map((index) => shardOf(ids, { index, count: 3 }).map((c) => c.id));
    expect(parts.flat().sort(compareIds)).toEqual(ids.map((c) => c.id));
    expect(shardOf([...ids].reverse(), { index: 2, count: 3 }).map((c) => c.id)).toEqual(parts[1]);
  });

  it('orders ids as the catalogue does', () => {
    expect(['E1', 'B11', 'H5', 'B3', 'B16'].sort(compareIds)).toEqual(['B3', 'B11', 'B16', 'E1', 'H5']);
  });
});

describe('readRunOutcome', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function runDir(results: unknown, history: readonly object[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'ekv-matrix-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
    writeFileSync(
      join(dir, 'history.jsonl'),
      [{ type: 'header' }, ...history].map((o) => JSON.stringify(o)).join('\n') + '\n{"index": 9, "ti',
    );
    return dir;
  }

  it('times detection by the earliest op or sample a firing checker names, in history time', () => {
    const dir = runDir(
      {
        valid: false,
        checkers: {
          stats: { valid: true },
          'halt-apply': {
            valid: false,
            reason: 'n2 halted\nmore',
            findings: [
              { invariant: 'I1', message: 'x', time: 9_400_000_000 },
              { invariant: 'I1', message: 'y', undecided: true, time: 1 },
            ],
          },
          encryption: { valid: false, reason: 'plaintext', findings: [{ invariant: 'I3', message: 'z', opIndex: 2 }] },
          recovery: { valid: 'unknown', reason: 'slow' },
        },
      },
      [
        { index: 1, time: 1_000_000_000 },
        { index: 2, time: 7_250_000_000 },
      ],
    );
    expect(readRunOutcome(dir)).toEqual({
      verdict: 'invalid',
      fired: ['halt-apply', 'encryption'],
      detectionSeconds: 7.3,
      reason: 'halt-apply: n2 halted',
    });
  });

  it("uses the linearizability checker's failing op; a valid run has no reason; a run without results is an error", () => {
    const lin = runDir(
      { valid: false, checkers: { linearizability: { valid: false, reason: 'not linearizable', op: { index: 1 } } } },
      [{ index: 1, time: 2_000_000_000 }],
    );
    expect(readRunOutcome(lin)).toMatchObject({ fired: ['linearizability'], detectionSeconds: 2 });
    const valid = runDir({ valid: true, checkers: { stats: { valid: true } } }, []);
    expect(readRunOutcome(valid)).toEqual({ verdict: 'valid', fired: [], detectionSeconds: null, reason: null });
    const unknown = runDir({ valid: 'unknown', checkers: { recovery: { valid: 'unknown', reason: 'slow' } } }, []);
    expect(readRunOutcome(unknown)).toMatchObject({ verdict: 'unknown', reason: 'recovery: slow' });
    expect(readRunOutcome(null)).toMatchObject({ verdict: 'error', reason: 'no run directory' });
    expect(readRunOutcome(tmpdir())).toMatchObject({ verdict: 'error', reason: 'no results.json' });
  });
});
