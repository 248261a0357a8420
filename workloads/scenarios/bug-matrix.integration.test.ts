// `ekv-jepsen bugs` end to end, on one bug: its scenario with and without
// the switch, as the nightly workflow runs every case; the table, matrix.json,
// the per-run logs and run directories. (The scenario suite proves every case
// once; this proves the command that runs them.)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../harness/cluster/local/index.js';
import { requireBuilt } from '../testing/harness-process.js';

let store = '';
beforeAll(() => {
  requireBuilt();
  store = mkdtempSync(join(tmpdir(), 'ekv-bugs-'));
});
afterAll(() => rmSync(store, { recursive: true, force: true }));

function bugs(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'ekv-jepsen.js'), 'bugs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('ekv-jepsen bugs (local backend)', () => {
  it('proves B16: caught by halt-apply with its switch, the control VALID; writes matrix.json, logs and run directories', async () => {
    const run = await bugs(['--only', 'B16', '--seeds', '1', '--store', store]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^B16\s+phase1\s+1\/1\s+halt-apply\s+\d+\.\d\s+VALID 1\/1\s+ok$/m);
    expect(run.stdout).toMatch(/every bug caught, every control VALID \(1 bugs\)/);
    const [stamp] = readdirSync(join(store, 'bug-matrix'));
    const dir = join(store, 'bug-matrix', stamp!);
    const matrix = JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8')) as { format: string; runs: { name: string; verdict: string; runDir: string; detectionSeconds: number | null }[]; summary: { pass: boolean } };
    expect(matrix.format).toBe('ekv-bug-matrix/1');
    expect(matrix.summary.pass).toBe(true);
    expect(matrix.runs.map((r) => [r.name.replace(/-\d+-/, '-N-'), r.verdict])).toEqual([['control-phase1-N-s101', 'valid'], ['B16-s101', 'invalid']]);
    for (const r of matrix.runs) {
      expect(existsSync(join(r.runDir, 'results.json'))).toBe(true);
      expect(existsSync(join(dir, 'logs', `${r.name}.log`))).toBe(true);
    }
    // Detection is timed by the history (the first op the checker names), within the run's main phase and drain.
    const detection = matrix.runs[1]!.detectionSeconds!;
    expect(detection).toBeGreaterThan(0);
    expect(detection).toBeLessThan(120);
  }, 400_000);
});
