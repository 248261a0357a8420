import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyOpToJsonl } from '../history/index.js';
import { sharedDataDir, simulateRegisterHistory } from '../testing/index.js';
import { parseDurationMs, parseInitialValue, runCheckCommand } from './index.js';
import { parseSizeBytes } from './check-options.js';

const data = sharedDataDir();
const badAnalysis = join(data, 'knossos/cas-register/bad/bad-analysis.edn');
const goodEdn = join(data, 'knossos/cas-register/good/cas-register-bug.edn');

const scratchDirs: string[] = [];
afterEach(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekv-check-'));
  scratchDirs.push(dir);
  return dir;
}

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCheckCommand(argv, {
    writeOut: (t) => {
      out += t;
    },
    writeErr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

describe('ekv-jepsen check', () => {
  it('exits 0 for a valid history and 1 for an invalid one, naming the failing op', async () => {
    expect((await run(goodEdn, '--initial', '0')).code).toBe(0);
    const bad = await run(badAnalysis, '--initial', '0');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('cannot linearize: process 21 read 2 (index 14)');
    expect(bad.out).toContain('previous ok:      process 19 read 0 (index 11)');
  });

  it('prints one JSON object per file with the required fields; the exit code is the worst verdict', async () => {
    const { code, out } = await run(goodEdn, badAnalysis, '--initial', '0', '--json');
    expect(code).toBe(1);
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [l.file, l.valid, l.model, l.partitions])).toEqual([
      [goodEdn, true, 'cas-register', 1],
      [badAnalysis, false, 'cas-register', 1],
    ]);
    expect(lines.every((l) => typeof l.ops === 'number' && typeof l.elapsedMs === 'number')).toBe(true);
  });

  it('prints knossos-shaped EDN with --edn', async () => {
    const { out } = await run(badAnalysis, '--initial', '0', '--edn');
    expect(out).toMatch(
      /^\{:valid\? false, .*:op \{:process 21, :type :ok, :f :read, :value 2, :index 14\}, :previous-ok \{:process 19, :type :ok, :f :read, :value 0, :index 11\}, :final-paths #\{\[/,
    );
  });

  it('exits 2 when the budget is exhausted', async () => {
    // Many pending unknown outcomes before a read of a value nobody wrote: slow to refute.
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
    const lines = history.map((op) => historyOpToJsonl(op === victim ? { ...op, value: 'never-written' } : op));
    const dir = scratchDir();
    writeFileSync(join(dir, 'h.jsonl'), `${lines.join('\n')}\n`);
    const { code, out } = await run(join(dir, 'h.jsonl'), '--budget', '50ms');
    expect(code).toBe(2);
    expect(out).toContain('search stopped: budget-exhausted; longest linearizable prefix:');
  });

  it('checks porcupine formats with porcupine semantics by default', async () => {
    const { code, out } = await run(
      join(data, 'porcupine/jepsen/etcd_002.log'),
      join(data, 'porcupine/kv/c10-ok.txt'),
      '--json',
      '--model',
      'cas-register',
    );
    expect(code).toBe(255); // c10 is a kv history: the cas-register model rejects get/append
    expect(out).toContain('"semantics":"porcupine"');
    expect((await run(join(data, 'porcupine/kv/c10-ok.txt'), '--model', 'kv')).code).toBe(0);
  });

  it('writes a self-contained HTML explanation', async () => {
    const dir = scratchDir();
    const html = join(dir, 'out.html');
    await run(badAnalysis, '--initial', '0', '--html', html);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('Cannot linearize');
    expect(page).toContain('can&#39;t read 2 from register 0'.replace('&#39;', "'"));
    expect(page).not.toMatch(/<script|<link|https?:\/\//);
  });

  it('reports malformed input with file:line and exits 255', async () => {
    const dir = scratchDir();
    const file = join(dir, 'broken.edn');
    writeFileSync(file, '{:process 0 :type :invoke :f :read :value nil}\n{:process 0 :type :ok :f :read :value}\n');
    const { code, err } = await run(file);
    expect(code).toBe(255);
    expect(err).toContain(`${file}:2: EDN syntax: map literal has an odd number of forms`);
  });

  it.each([
    [['--model', 'nope', 'x.edn'], /--model: "nope" is not one of/],
    [['x.unknown'], /cannot tell the format/],
    [[], /no history file given/],
    [['x.edn', '--budget', 'soon'], /--budget: "soon" is not a duration/],
    [['x.edn', '--initial', '{:a'], /--initial: .* neither JSON nor EDN/],
    [['x.edn', '--frobnicate'], /Unknown option/],
  ])('rejects bad arguments %j with exit 255', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(255);
    expect(err).toMatch(message);
  });

  it('parses durations and initial values', () => {
    expect([parseDurationMs('500ms'), parseDurationMs('60s'), parseDurationMs('2m'), parseDurationMs('3')]).toEqual([
      500, 60_000, 120_000, 3000,
    ]);
    expect([
      parseInitialValue('nil'),
      parseInitialValue('null'),
      parseInitialValue('0'),
      parseInitialValue('{x 0, y 0}'),
    ]).toEqual([null, null, 0, { x: 0, y: 0 }]);
  });

  it('--memory takes sizes and names a bad one', async () => {
    expect(parseSizeBytes('512m')).toBe(512 * 1024 ** 2);
    expect(parseSizeBytes('4g')).toBe(4 * 1024 ** 3);
    expect(parseSizeBytes('1.5GiB')).toBe(1.5 * 1024 ** 3);
    const bad = await run(goodEdn, '--memory', 'lots');
    expect(bad.code).toBe(255);
    expect(bad.err).toContain('--memory: "lots" is not a size');
  });

  it('an already aborted signal leaves every file unchecked (unknown, exit 2)', async () => {
    const controller = new AbortController();
    controller.abort();
    let err = '';
    const code = await runCheckCommand(
      [goodEdn, '--initial', '0'],
      {
        writeOut: () => {},
        writeErr: (t) => {
          err += t;
        },
      },
      controller.signal,
    );
    expect(code).toBe(2);
    expect(err).toContain('not checked (interrupted)');
  });
});
