import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planMatrix, seedsOf, summarizeMatrix } from '../matrix/index.js';
import type { BugCase, MatrixRun } from '../matrix/index.js';
import { matrixFormat, runBugsCommand } from './bugs-command.js';
import type { ChildRunSpawner } from './child-runs.js';
import type { MatrixFileContent } from './bugs-command.js';
import { runSummarizeCommand } from './summarize-command.js';

const bug = (id: string, scenario: string): BugCase => ({
  id,
  summary: `${id} summary`,
  scenario,
  options: [],
  caughtBy: ['halt-apply'],
  detectedShare: 1,
});
const cases = [bug('B7', 'phase2'), bug('B3', 'phase2'), bug('B16', 'phase1')];
const registry = new Map(cases.map((c) => [c.id, c]));

function io(): { out: string; err: string; writeOut: (t: string) => void; writeErr: (t: string) => void } {
  const sink = {
    out: '',
    err: '',
    writeOut: (t: string) => {
      sink.out += t;
    },
    writeErr: (t: string) => {
      sink.err += t;
    },
  };
  return sink;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekv-bugs-'));
  dirs.push(dir);
  return dir;
}

describe('ekv-jepsen bugs: options', () => {
  it.each([
    [['--only', 'B7,B999'], '--only: no catalogued case for B999 (known: B7, B3, B16)'],
    [['--only', ','], '--only: expected comma-separated bug ids'],
    [['--seeds', '0'], '--seeds: 0 out of range 1..100'],
    [['--seeds', 'many'], '--seeds: expected a whole number, got "many"'],
    [['--jobs', '-1'], '--jobs: expected a whole number, got "-1"'],
    [['--shard', '3/2'], '--shard: I must be in 1..2, got 3'],
    [['--backend', 'fake'], "option '--backend <name>' argument 'fake' is invalid"],
    [['--frobnicate'], "unknown option '--frobnicate'"],
  ])('%j is refused before anything runs', async (argv, message) => {
    const store = tempDir();
    const sink = io();
    expect(await runBugsCommand([...argv, '--store', store], sink, registry)).toBe(255);
    expect(sink.err).toContain(message);
    expect(existsSync(join(store, 'bug-matrix'))).toBe(false);
  });

  it('--list prints the cases of the selection (ids case-insensitive), --shard picks its part', async () => {
    const sink = io();
    expect(await runBugsCommand(['--list', '--only', 'b16,B7'], sink, registry)).toBe(0);
    expect(sink.out).toMatch(/^B16 +phase1 +caught by halt-apply\n +B16 summary\nB7 /);
    const shard = io();
    expect(await runBugsCommand(['--list', '--shard', '1/2'], shard, registry)).toBe(0);
    expect(
      shard.out
        .split('\n')
        .filter((l) => /^B/.test(l))
        .map((l) => l.split(' ')[0]),
    ).toEqual(['B3', 'B16']);
  });

  it('--help prints the usage', async () => {
    const sink = io();
    expect(await runBugsCommand(['--help'], sink, registry)).toBe(0);
    expect(sink.out).toContain('--shard <i/n>');
  });
});

describe('ekv-jepsen bugs: a run (fake child runs)', () => {
  /** Each child leaves a run directory: controls VALID, bug runs INVALID by halt-apply unless `missed` names them. */
  const spawnerMissing =
    (missed: readonly string[]): ChildRunSpawner =>
    (spec, dir) => {
      const runDir = join(dir, 'runs', spec.name, '20261202T000000.000Z');
      mkdirSync(runDir, { recursive: true });
      const caught = spec.args.includes('--bug') && !missed.includes(spec.name);
      writeFileSync(
        join(runDir, 'results.json'),
        JSON.stringify({
          valid: !caught,
          checkers: { 'halt-apply': caught ? { valid: false, reason: 'halted' } : { valid: true } },
        }),
      );
      return Promise.resolve({ exitCode: caught ? 1 : 0, runDir, wallSeconds: 1 });
    };

  it('exit 0 when every bug is caught and every control VALID; 1 when one seed misses', async () => {
    const store = tempDir();
    const sink = io();
    expect(
      await runBugsCommand(['--only', 'B7', '--seeds', '2', '--store', store], sink, registry, spawnerMissing([])),
    ).toBe(0);
    expect(sink.out).toMatch(/B7\s+phase2\s+2\/2\s+halt-apply\s+-\s+VALID 2\/2\s+ok/);
    expect(readdirSync(join(store, 'bug-matrix'))).toHaveLength(1);
    const missed = io();
    expect(
      await runBugsCommand(
        ['--only', 'B7', '--seeds', '2', '--store', store],
        missed,
        registry,
        spawnerMissing(['B7-s102']),
      ),
    ).toBe(1);
    expect(missed.out).toContain('FAIL: caught in 1 of 2 seeds');
  });
});

describe('ekv-jepsen summarize', () => {
  function part(
    dir: string,
    selected: readonly BugCase[],
    verdictOf: (name: string, caseId: string | null) => MatrixRun['verdict'],
  ): string {
    const runs: MatrixRun[] = planMatrix(selected, seedsOf(1), []).map((s) => {
      const verdict = verdictOf(s.name, s.caseId);
      return {
        ...s,
        exitCode: 0,
        verdict,
        fired: verdict === 'invalid' ? ['halt-apply'] : [],
        detectionSeconds: verdict === 'invalid' ? 4.2 : null,
        reason: null,
        runDir: null,
        wallSeconds: 30,
      };
    });
    const content: MatrixFileContent = {
      format: matrixFormat,
      startedAt: new Date(0).toISOString(),
      commandLine: [],
      seeds: [101],
      shard: '1/2',
      interrupted: false,
      cases: selected,
      runs,
      summary: summarizeMatrix(selected, runs),
    };
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify(content));
    return dir;
  }

  it("merges the shards' parts into one table and judges them together", () => {
    const a = part(tempDir(), [cases[0]!, cases[1]!], (_n, id) => (id === null ? 'valid' : 'invalid'));
    const b = part(tempDir(), [cases[2]!], (_n, id) => (id === null ? 'valid' : 'invalid'));
    const out = join(tempDir(), 'merged.json');
    const sink = io();
    expect(runSummarizeCommand([a, join(b, 'matrix.json'), '--out', out], sink)).toBe(0);
    expect(sink.out).toMatch(/B3 .*\nB7 .*\nB16 .*\nevery bug caught, every control VALID \(3 bugs\)/);
    expect(existsSync(out)).toBe(true);
    const failing = part(tempDir(), [cases[2]!], (_n, id) => (id === null ? 'unknown' : 'invalid'));
    expect(runSummarizeCommand([a, failing], io())).toBe(1);
  });

  it('refuses a file that is not a bug matrix, naming it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ valid: true }));
    const sink = io();
    expect(runSummarizeCommand([join(dir, 'results.json')], sink)).toBe(255);
    expect(sink.err).toContain(
      `${join(dir, 'results.json')}: not a bug matrix (expected format "ekv-bug-matrix/1", got undefined)`,
    );
    expect(runSummarizeCommand([join(dir, 'nope.json')], io())).toBe(255);
    expect(runSummarizeCommand([], io())).toBe(255);
  });
});
