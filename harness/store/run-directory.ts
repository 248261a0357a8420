/**
 * Run directories: `<store>/<test>/<timestamp>/` with `<store>/latest` and
 * `<store>/<test>/latest` symlinks pointing at the newest run (Jepsen's
 * layout). The symlinks are replaced atomically (rename over the old link).
 */
import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { HarnessError } from '../errors/index.js';

/** Names of the files of a run directory. */
export const runFiles = Object.freeze({
  testJson: 'test.json',
  planJsonl: 'plan.jsonl',
  historyJsonl: 'history.jsonl',
  historyEdn: 'history.edn',
  historyText: 'history.txt',
  resultsJson: 'results.json',
  resultsEdn: 'results.edn',
  statusJsonl: 'status.jsonl',
  executionJson: 'execution.json',
  inspectJsonl: 'inspect.jsonl',
  nodes: 'nodes',
  harnessLog: 'harness.log',
});

/** A filesystem-safe timestamp like 20261123T101502.123Z. */
export function runTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}

/** Creates the run directory and points the latest links at it. */
export function createRunDirectory(storeDir: string, testName: string, now: Date): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(testName)) {
    throw new HarnessError('RUN_DIR', `test name "${testName}" must be letters, digits, '.', '_' or '-'`);
  }
  const store = resolve(storeDir);
  let dir = join(store, testName, runTimestamp(now));
  // Two runs within one millisecond (test-count) get a suffix rather than sharing a directory.
  for (let n = 1; ; n += 1) {
    try {
      mkdirSync(dir, { recursive: false });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(join(store, testName), { recursive: true });
        continue;
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new HarnessError('RUN_DIR', `cannot create ${dir}: ${(error as Error).message}`);
      dir = join(store, testName, `${runTimestamp(now)}-${n}`);
    }
  }
  mkdirSync(join(dir, runFiles.nodes), { recursive: true });
  pointLink(join(store, 'latest'), dir);
  pointLink(join(store, testName, 'latest'), dir);
  return dir;
}

function pointLink(link: string, target: string): void {
  const temp = `${link}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  symlinkSync(relative(resolve(link, '..'), target), temp);
  renameSync(temp, link);
}
