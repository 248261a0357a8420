/**
 * `ekv-jepsen summarize <matrix.json|dir>...`: one matrix out of the parts
 * that shards of `ekv-jepsen bugs --shard i/n` wrote (the nightly workflow's
 * last job): the cases and runs of every part judged together, the table
 * printed (or the merged matrix.json with --json, written with --out). Exit
 * 0 when every bug is caught and every control VALID, 1 otherwise, 255 on a
 * file that is not a matrix or parts that disagree.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareIds, matrixTable, summarizeMatrix } from '../matrix/index.js';
import type { BugCase, MatrixRun } from '../matrix/index.js';
import { matrixFile, matrixFormat } from './bugs-command.js';
import type { MatrixFileContent } from './bugs-command.js';
import type { CommandIo } from './command-io.js';

const usage = 'usage: ekv-jepsen summarize <matrix.json or its directory>... [--json] [--out FILE]';

/** Runs `ekv-jepsen summarize`. */
export function runSummarizeCommand(argv: readonly string[], io: CommandIo): number {
  const paths: string[] = [];
  let json = false;
  let out: string | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--json') json = true;
    else if (arg === '--out') {
      out = argv[++i] ?? null;
      if (out === null) return usageError(io, '--out needs a file');
    } else if (arg === '--help' || arg === '-h') {
      io.writeOut(`${usage}\n`);
      return 0;
    } else if (arg.startsWith('-')) return usageError(io, `unknown option "${arg}"`);
    else paths.push(arg);
  }
  if (paths.length === 0) return usageError(io, 'no matrix given');
  let parts: MatrixFileContent[];
  try {
    parts = paths.map(readPart);
  } catch (error) {
    io.writeErr(`ekv-jepsen summarize: ${(error as Error).message}\n`);
    return 255;
  }
  const cases = new Map<string, BugCase>();
  const runs = new Map<string, MatrixRun>();
  for (const [i, part] of parts.entries()) {
    for (const c of part.cases) {
      const seen = cases.get(c.id);
      if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(c)) {
        io.writeErr(
          `ekv-jepsen summarize: ${paths[i]} declares bug ${c.id} differently from an earlier part (parts of one matrix come from one checkout)\n`,
        );
        return 255;
      }
      cases.set(c.id, c);
    }
    // Controls may repeat across shards (two shards' bugs share a scenario): the same name and seed is the same run.
    for (const r of part.runs) if (!runs.has(r.name) || r.verdict !== 'error') runs.set(r.name, r);
  }
  const allCases = [...cases.values()].sort((a, b) => compareIds(a.id, b.id));
  const summary = summarizeMatrix(allCases, [...runs.values()]);
  const merged: MatrixFileContent = {
    format: matrixFormat,
    startedAt: parts.map((p) => p.startedAt).sort()[0] as string,
    commandLine: ['ekv-jepsen', 'summarize', ...argv],
    seeds: [...new Set(parts.flatMap((p) => p.seeds))].sort((a, b) => a - b),
    shard: null,
    interrupted: parts.some((p) => p.interrupted),
    cases: allCases,
    runs: [...runs.values()],
    summary,
  };
  if (out !== null) writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
  io.writeOut(json ? `${JSON.stringify(merged, null, 2)}\n` : matrixTable(summary));
  if (merged.interrupted) io.writeErr('ekv-jepsen summarize: warning: a part was interrupted\n');
  return summary.pass && !merged.interrupted ? 0 : 1;
}

function usageError(io: CommandIo, message: string): number {
  io.writeErr(`ekv-jepsen summarize: ${message}\n${usage}\n`);
  return 255;
}

function readPart(path: string): MatrixFileContent {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, matrixFile) : path;
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  const c = content as Partial<MatrixFileContent> | null;
  if (c === null || typeof c !== 'object' || c.format !== matrixFormat)
    throw new Error(`${file}: not a bug matrix (expected format "${matrixFormat}", got ${JSON.stringify(c?.format)})`);
  if (!Array.isArray(c.cases) || !Array.isArray(c.runs) || !Array.isArray(c.seeds))
    throw new Error(`${file}: a bug matrix without cases, runs or seeds`);
  return c as MatrixFileContent;
}
