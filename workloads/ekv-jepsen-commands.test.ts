// The test / replay / check <run-dir> commands through the dispatcher, on the
// in-process fake backend (no processes). In workloads/ because the
// dispatcher needs the workload registry.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../harness/cli/ekv-jepsen.js';
import { defaultScenario, scenarioRegistry, workloadRegistry } from './index.js';

const store = mkdtempSync(join(tmpdir(), 'ekv-commands-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(
    argv,
    {
      writeOut: (t) => {
        out += t;
      },
      writeErr: (t) => {
        err += t;
      },
    },
    { registries: { workloads: workloadRegistry, scenarios: scenarioRegistry, defaultScenario } },
  );
  return { code, out, err };
}

const runDirs = (name: string) =>
  readdirSync(join(store, name))
    .filter((d) => d !== 'latest')
    .sort()
    .map((d) => join(store, name, d));

describe('ekv-jepsen commands (fake backend)', () => {
  it('test prints the verdict and the run directory; check <run-dir> re-analyses it; replay reruns its plan', async () => {
    const test = await run(
      'test',
      '--backend',
      'fake',
      '--time-limit',
      '3',
      '--rate',
      '200',
      '--nemesis',
      'partition,kill',
      '--seed',
      '9',
      '--store',
      store,
      '--name',
      'cmd',
      '--recovery-time',
      '0.2',
      '--op-timeout',
      '100',
    );
    expect(test.code, test.err).toBe(0);
    expect(test.out).toMatch(/^VALID — .*cmd\//);
    expect(test.err).toMatch(/seed 9/);
    const [first] = runDirs('cmd');
    expect(readFileSync(join(store, 'latest', 'report.html'), 'utf8')).toMatch(
      /<h1[^>]*>cmd <span class="verdict v-valid">VALID/,
    );
    const original = {
      results: readFileSync(join(first!, 'results.json'), 'utf8'),
      report: readFileSync(join(first!, 'report.html'), 'utf8'),
    };
    // Jepsen's forms beside ours.
    expect(readFileSync(join(first!, 'history.txt'), 'utf8')).toMatch(/^\d+\t:invoke\t:\w+\t/m);
    expect(readFileSync(join(first!, 'results.edn'), 'utf8')).toMatch(/^\{:valid\? true,/);
    const check = await run('check', first!);
    expect(check.code).toBe(0);
    const json = await run('check', first!, '--json');
    expect(json.code).toBe(0);
    expect((JSON.parse(json.out) as { valid: unknown }).valid).toBe(true);
    expect(json.err).toMatch(/^VALID — /m);
    expect(check.out).toMatch(/^VALID — \d+ client ops re-checked, results in .*checks\//);
    // The re-check writes its results and report beside the original, which stays as it was.
    const [recheck] = readdirSync(join(first!, 'checks')).sort();
    expect(readFileSync(join(first!, 'checks', recheck!, 'report.html'), 'utf8')).toContain(
      'href="../../history.jsonl"',
    );
    expect({
      results: readFileSync(join(first!, 'results.json'), 'utf8'),
      report: readFileSync(join(first!, 'report.html'), 'utf8'),
    }).toEqual(original);
    const replay = await run('replay', first!);
    expect(replay.code, replay.err).toBe(0);
    const [, second] = runDirs('cmd');
    expect(readFileSync(join(second!, 'plan.jsonl'), 'utf8')).toBe(readFileSync(join(first!, 'plan.jsonl'), 'utf8'));
    expect(JSON.parse(readFileSync(join(second!, 'test.json'), 'utf8')).replayOf).toBe(first);
    expect(readFileSync(join(second!, 'report.html'), 'utf8')).toContain('class="verdict v-valid"');
  }, 30_000);

  it('refuses bad options with exit 255 and a message naming the option', async () => {
    const bad = await run('test', '--rate', 'fast');
    expect(bad.code).toBe(255);
    expect(bad.err).toMatch(/--rate: must be a number of ops\/s/);
    expect((await run('replay', join(store, 'nope'))).code).toBe(255);
  });

  it('a torn history line from a killed harness is reported by check and the rest is analysed', async () => {
    const test = await run(
      'test',
      '--backend',
      'fake',
      '--time-limit',
      '1',
      '--rate',
      '100',
      '--nemesis',
      'none',
      '--seed',
      '2',
      '--store',
      store,
      '--name',
      'torn',
      '--recovery-time',
      '0',
    );
    expect(test.code).toBe(0);
    const [dir] = runDirs('torn');
    const history = join(dir!, 'history.jsonl');
    const text = readFileSync(history, 'utf8');
    writeFileSync(history, text.slice(0, text.length - 20));
    const check = await run('check', dir!);
    expect(check.err).toMatch(/torn last line/);
    expect([0, 2]).toContain(check.code);
  });
});
