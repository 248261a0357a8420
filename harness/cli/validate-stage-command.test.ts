import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StageSuite, StageSuiteRegistry } from '../matrix/index.js';
import type { ChildRunSpawner, ChildRunSpec } from './child-runs.js';
import { runValidateStageCommand, validationFile, validationFormat } from './validate-stage-command.js';
import type { ValidationFileContent } from './validate-stage-command.js';

const suite = (stage: string, previous: string | null): StageSuite => ({
  stage,
  previous,
  adds: `what ${stage} adds`,
  downgradeRule: previous === null ? 'no previous stage' : `allowed before the ${stage} step`,
  entries: [
    {
      name: 'steady',
      kind: 'steady',
      scenario: `stage-${stage}-steady`,
      proves: 'steady proof',
      spec: '§7.1',
      options: [],
    },
    {
      name: 'restarts',
      kind: 'restarts',
      scenario: `stage-${stage}-restarts`,
      proves: 'restart proof',
      spec: '§8',
      options: ['--time-limit', '20'],
    },
  ],
  omitted: [{ kind: 'upgrade', reason: 'the first stage has no previous one' }],
});
const registry: StageSuiteRegistry = new Map([
  ['6A', suite('6A', null)],
  ['6B', suite('6B', '6A')],
]);

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
  const dir = mkdtempSync(join(tmpdir(), 'ekv-validate-'));
  dirs.push(dir);
  return dir;
}

/** A spawner that writes a run directory with the verdict `verdictOf` gives, and records what it was asked to run. */
function fakeSpawner(verdictOf: (spec: ChildRunSpec) => boolean | 'unknown' | 'none'): {
  spawner: ChildRunSpawner;
  calls: ChildRunSpec[];
} {
  const calls: ChildRunSpec[] = [];
  const spawner: ChildRunSpawner = (spec, dir) => {
    calls.push(spec);
    const verdict = verdictOf(spec);
    if (verdict === 'none') return Promise.resolve({ exitCode: 255, runDir: null, wallSeconds: 0.1 });
    const runDir = join(dir, 'runs', spec.name, '20261202T000000.000Z');
    mkdirSync(runDir, { recursive: true });
    const checkers =
      verdict === true
        ? { 'halt-apply': { valid: true } }
        : { 'halt-apply': { valid: verdict === 'unknown' ? 'unknown' : false, reason: 'n3 halted unexpectedly' } };
    writeFileSync(join(runDir, 'results.json'), JSON.stringify({ valid: verdict, checkers }));
    return Promise.resolve({ exitCode: verdict === true ? 0 : verdict === false ? 1 : 2, runDir, wallSeconds: 3 });
  };
  return { spawner, calls };
}

describe('ekv-jepsen validate-stage: options', () => {
  it.each([
    [['6G'], 'unknown stage "6G" (stages: 6A, 6B)'],
    [[], 'missing stage (one of 6A, 6B; --list shows each suite)'],
    [['6B', '--seeds', '0'], '--seeds: 0 out of range 1..100'],
    [['6B', '--seeds', 'two'], '--seeds: expected a whole number, got "two"'],
    [['6B', '--backend', 'fake'], "option '--backend <name>' argument 'fake' is invalid"],
    [['6B', '--bug', 'B7,NOPE'], "--bug: unknown catalogued bug 'NOPE'"],
    [['6B', '--frobnicate'], "unknown option '--frobnicate'"],
    [['6B', '6C'], 'too many arguments'],
  ])('%j is refused on one line, exit 255, nothing created', async (argv, message) => {
    const store = tempDir();
    const sink = io();
    const { spawner, calls } = fakeSpawner(() => true);
    expect(await runValidateStageCommand([...argv, '--store', store], sink, registry, spawner)).toBe(255);
    expect(sink.err).toContain(message);
    expect(sink.err.trimEnd().split('\n')).toHaveLength(1);
    expect(sink.err).toMatch(/^ekv-jepsen validate-stage: /);
    expect(calls).toHaveLength(0);
    expect(readdirSync(store)).toEqual([]);
  });

  it('--list prints every suite, or the named one (case-insensitive): entry, scenario, what it proves, what is left out and why', async () => {
    const all = io();
    expect(await runValidateStageCommand(['--list'], all, registry)).toBe(0);
    expect(all.out).toMatch(
      /^6A \(the first stage: no previous one\): what 6A adds\n {2}steady {4}stage-6A-steady {4}steady proof \[§7\.1\]\n/,
    );
    expect(all.out).toContain('  no upgrade: the first stage has no previous one\n');
    expect(all.out).toContain('6B (upgrades from 6A): what 6B adds\n  downgrade to 6A: allowed before the 6B step\n');
    const one = io();
    expect(await runValidateStageCommand(['6b', '--list'], one, registry)).toBe(0);
    expect(one.out).not.toContain('6A (');
    expect(one.out).toContain('stage-6B-restarts');
  });

  it('--help prints the usage', async () => {
    const sink = io();
    expect(await runValidateStageCommand(['--help'], sink, registry)).toBe(0);
    expect(sink.out).toContain('--seeds <n>');
    expect(sink.out).toContain('--list');
  });
});

describe('ekv-jepsen validate-stage: a run', () => {
  it('runs every entry per seed (101, 102) with the backend and --bug, prints the table, writes validation.json, exit 0 when all VALID', async () => {
    const store = tempDir();
    const sink = io();
    const { spawner, calls } = fakeSpawner(() => true);
    expect(
      await runValidateStageCommand(
        ['6B', '--seeds', '2', '--store', store, '--backend', 'docker', '--bug', 'B7'],
        sink,
        registry,
        spawner,
      ),
    ).toBe(0);
    expect(calls.map((c) => c.name)).toEqual([
      '6B-steady-s101',
      '6B-steady-s102',
      '6B-restarts-s101',
      '6B-restarts-s102',
    ]);
    expect(calls[3]!.args).toEqual([
      'test',
      '--scenario',
      'stage-6B-restarts',
      '--seed',
      '102',
      '--time-limit',
      '20',
      '--backend',
      'docker',
      '--bug',
      'B7',
    ]);
    expect(sink.out).toMatch(/^entry\s+scenario\s+seeds passed\s+verdicts\s+run dirs\n/);
    expect(sink.out).toMatch(
      /\nsteady\s+stage-6B-steady\s+2\/2\s+VALID, VALID\s+runs\/6B-steady-s101\/20261202T000000\.000Z runs\/6B-steady-s102\/\S+\n/,
    );
    expect(sink.out).toMatch(/stage 6B: every entry VALID in every seed \(2 entries\)\n$/);
    const [stamp] = readdirSync(join(store, 'validate-stage'));
    const content = JSON.parse(
      readFileSync(join(store, 'validate-stage', stamp!, validationFile), 'utf8'),
    ) as ValidationFileContent;
    expect(content).toMatchObject({
      format: validationFormat,
      stage: '6B',
      seeds: [101, 102],
      bug: 'B7',
      interrupted: false,
      summary: { pass: true },
    });
    expect(content.runs).toHaveLength(4);
    expect(existsSync(join(store, 'validate-stage', stamp!, 'logs'))).toBe(true);
  });

  it('exit 1 when one run is not VALID (or left no run directory); the table names the verdict and checker', async () => {
    const store = tempDir();
    const sink = io();
    const { spawner } = fakeSpawner((spec) =>
      spec.name === '6A-restarts-s102' ? false : spec.name === '6A-steady-s101' ? 'none' : true,
    );
    expect(await runValidateStageCommand(['6A', '--seeds', '2', '--store', store], sink, registry, spawner)).toBe(1);
    expect(sink.out).toMatch(/\nsteady\s+stage-6A-steady\s+1\/2\s+ERROR, VALID\s+- runs\//);
    expect(sink.out).toMatch(/\nrestarts\s+stage-6A-restarts\s+1\/2\s+VALID, INVALID \(halt-apply\)/);
    expect(sink.out).toMatch(/stage 6A: 2 of 2 entries not VALID in every seed\n$/);
    expect(sink.err).toContain('6A-restarts-s102: INVALID (halt-apply: n3 halted unexpectedly)');
  });

  it('an UNKNOWN verdict does not pass', async () => {
    const { spawner } = fakeSpawner((spec) => (spec.name.startsWith('6A-steady') ? 'unknown' : true));
    expect(await runValidateStageCommand(['6A', '--store', tempDir()], io(), registry, spawner)).toBe(1);
  });

  it('--json prints validation.json', async () => {
    const sink = io();
    const { spawner } = fakeSpawner(() => true);
    expect(await runValidateStageCommand(['6A', '--json', '--store', tempDir()], sink, registry, spawner)).toBe(0);
    const content = JSON.parse(sink.out) as ValidationFileContent;
    expect(content.summary.rows.map((r) => [r.entry, r.passed, r.seeds])).toEqual([
      ['steady', 1, 1],
      ['restarts', 1, 1],
    ]);
    expect(content.suite.stage).toBe('6A');
  });

  it('SIGINT stops the running child, starts no new one, and exits 2', async () => {
    const store = tempDir();
    const calls: string[] = [];
    const spawner: ChildRunSpawner = (spec, _dir, signal) => {
      calls.push(spec.name);
      return new Promise((done) => {
        signal.addEventListener('abort', () => done({ exitCode: 2, runDir: null, wallSeconds: 1 }), { once: true });
        setTimeout(() => process.emit('SIGINT'), 10);
      });
    };
    const sink = io();
    expect(await runValidateStageCommand(['6A', '--store', store], sink, registry, spawner)).toBe(2);
    expect(calls).toEqual(['6A-steady-s101']);
    expect(sink.err).toContain('interrupted');
    const [stamp] = readdirSync(join(store, 'validate-stage'));
    expect(
      (JSON.parse(readFileSync(join(store, 'validate-stage', stamp!, validationFile), 'utf8')) as ValidationFileContent)
        .interrupted,
    ).toBe(true);
  });
});
