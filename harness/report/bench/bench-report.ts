/**
 * `npm run bench:report`: seconds to write report.html and its size for
 * synthesised runs of 10,000 and 100,000 client ops (faults, rollout steps,
 * status samples, a planted stale read so the linearizability view is drawn).
 * The run's own checking is not timed, only the report. Prints a table and
 * writes JSON to .tmp/bench-report.json.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeReport } from '../index.js';
import { writeSyntheticRun } from '../testing/index.js';

const sizes = [10_000, 100_000];

interface Row {
  readonly ops: number;
  readonly seconds: number;
  readonly bytes: number;
}

async function measure(ops: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'ekv-bench-report-'));
  try {
    const run = await writeSyntheticRun(join(dir, 'run'), { ops, seed: ops, invalid: true, halt: true, processes: 10 });
    const start = performance.now();
    const written = await writeReport(run.dir);
    const seconds = (performance.now() - start) / 1000;
    if ('error' in written) throw new Error(written.error);
    return { ops, seconds, bytes: statSync(written.path).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const ops of sizes) rows.push(await measure(ops));
console.log('client ops | report seconds | report size');
for (const row of rows)
  console.log(
    `${String(row.ops).padStart(10)} | ${row.seconds.toFixed(2).padStart(14)} | ${(row.bytes / 1024 / 1024).toFixed(2)} MiB`,
  );
mkdirSync('.tmp', { recursive: true });
writeFileSync(join('.tmp', 'bench-report.json'), `${JSON.stringify(rows, null, 2)}\n`);
