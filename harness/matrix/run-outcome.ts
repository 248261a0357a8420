/**
 * What one run of the matrix left in its run directory: the verdict, the
 * checkers that said INVALID, and how soon — the history time of the
 * earliest op (or sample) a firing checker names, not the run's wall clock.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunVerdict } from './bug-matrix.js';

export interface RunOutcome {
  readonly verdict: RunVerdict;
  readonly fired: readonly string[];
  readonly detectionSeconds: number | null;
  readonly reason: string | null;
}

interface CheckerEntryJson {
  readonly valid?: unknown;
  readonly reason?: unknown;
  readonly findings?: readonly { readonly opIndex?: unknown; readonly time?: unknown; readonly undecided?: unknown }[];
  /** The linearizability checker's failing op. */
  readonly op?: { readonly index?: unknown };
}

/** Reads results.json and, for op indexes, history.jsonl; a run without results is an error. */
export function readRunOutcome(runDir: string | null): RunOutcome {
  const path = runDir === null ? null : join(runDir, 'results.json');
  if (path === null || !existsSync(path))
    return {
      verdict: 'error',
      fired: [],
      detectionSeconds: null,
      reason: runDir === null ? 'no run directory' : 'no results.json',
    };
  const results = JSON.parse(readFileSync(path, 'utf8')) as {
    valid?: unknown;
    checkers?: Record<string, CheckerEntryJson>;
  };
  const checkers = Object.entries(results.checkers ?? {});
  const fired = checkers.filter(([, c]) => c.valid === false);
  const verdict: RunVerdict = results.valid === true ? 'valid' : results.valid === false ? 'invalid' : 'unknown';
  let opTimes: Map<number, number> | null = null;
  const timeOfOp = (index: number): number | undefined => {
    opTimes ??= readOpTimes(join(runDir as string, 'history.jsonl'));
    return opTimes.get(index);
  };
  const times: number[] = [];
  for (const [, entry] of fired) {
    for (const finding of entry.findings ?? []) {
      if (finding.undecided === true) continue;
      const time =
        typeof finding.time === 'number'
          ? finding.time
          : typeof finding.opIndex === 'number'
            ? timeOfOp(finding.opIndex)
            : undefined;
      if (time !== undefined) times.push(time);
    }
    if (typeof entry.op?.index === 'number') {
      const time = timeOfOp(entry.op.index);
      if (time !== undefined) times.push(time);
    }
  }
  const notValid = checkers.find(([, c]) => c.valid === false) ?? checkers.find(([, c]) => c.valid !== true);
  const reason =
    verdict === 'valid' || notValid === undefined
      ? null
      : `${notValid[0]}: ${typeof notValid[1].reason === 'string' ? notValid[1].reason.split('\n')[0] : String(notValid[1].valid)}`;
  return {
    verdict,
    fired: fired.map(([name]) => name),
    detectionSeconds: times.length === 0 ? null : Math.round(Math.min(...times) / 1e8) / 10,
    reason,
  };
}

/** History index → time (ns since the test started), from history.jsonl (the header line has no index). */
function readOpTimes(path: string): Map<number, number> {
  const times = new Map<number, number>();
  if (!existsSync(path)) return times;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      const op = JSON.parse(line) as { index?: unknown; time?: unknown };
      if (typeof op.index === 'number' && typeof op.time === 'number') times.set(op.index, op.time);
    } catch {
      // A torn last line (a crash while writing) carries no op.
    }
  }
  return times;
}
