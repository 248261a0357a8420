// The bug matrix with one seed per case, as CI runs it: every catalogued
// case with its switch next to its control (`ekv-jepsen bugs --seeds 1`,
// the command the nightly workflow runs with ten), so a change that makes a
// catalogued bug invisible, or a control not VALID, fails the suite; plus
// what the command leaves: the table, matrix.json, the logs, the run dirs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../harness/cluster/local/index.js';
import { bugCases } from '../catalogue/index.js';
import { requireBuilt } from '../testing/harness-process.js';

let store = '';
beforeAll(() => {
  requireBuilt();
  store = mkdtempSync(join(tmpdir(), 'ekv-bugs-'));
});
afterAll(() => rmSync(store, { recursive: true, force: true }));

function bugs(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'ekv-jepsen.js'), 'bugs', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

interface MatrixJson {
  readonly format: string;
  readonly runs: readonly {
    readonly name: string;
    readonly caseId: string | null;
    readonly verdict: string;
    readonly runDir: string;
    readonly detectionSeconds: number | null;
  }[];
  readonly summary: {
    readonly pass: boolean;
    readonly rows: readonly { readonly id: string; readonly pass: boolean; readonly detected: number }[];
  };
}

// One test for the whole matrix (36 cases and 13 controls, about 55 s a run on a 2-core machine): the bound only
// keeps a hung run from holding CI, well above what the runs take.
describe('the bug matrix, one seed (local backend)', () => {
  it(
    'catches every catalogued case by its checkers, every control VALID',
    async () => {
      const run = await bugs(['--seeds', '1', '--store', store]);
      expect(run.code, `${run.stdout}\n--- stderr (tail) ---\n${run.stderr.split('\n').slice(-40).join('\n')}`).toBe(0);
      for (const c of bugCases)
        expect(run.stdout).toMatch(new RegExp(`^${c.id}\\s+${c.scenario}\\s+1/1\\s.*\\sok$`, 'm'));
      expect(run.stdout).toMatch(new RegExp(`every bug caught, every control VALID \\(${bugCases.length} bugs\\)`));
      const [stamp] = readdirSync(join(store, 'bug-matrix'));
      const dir = join(store, 'bug-matrix', stamp!);
      const matrix = JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8')) as MatrixJson;
      expect(matrix.format).toBe('ekv-bug-matrix/1');
      expect(matrix.summary.pass).toBe(true);
      expect(matrix.summary.rows.map((r) => r.id).sort()).toEqual(bugCases.map((c) => c.id).sort());
      for (const r of matrix.runs) {
        expect(existsSync(join(r.runDir, 'results.json')), r.name).toBe(true);
        expect(existsSync(join(dir, 'logs', `${r.name}.log`)), r.name).toBe(true);
        // Detection is timed by the history (the first op a firing checker names), inside the run.
        if (r.caseId !== null)
          expect(r.detectionSeconds === null || (r.detectionSeconds > 0 && r.detectionSeconds < 300), r.name).toBe(
            true,
          );
      }
    },
    70 * 60_000,
  );
});
