// `ekv-jepsen check <file>...`: reads each history, checks it, prints the
// verdict (text, JSON or EDN), optionally writes the HTML explanation, and
// returns the worst exit code. Errors in one file are reported with the file,
// line and reason and do not stop the other files.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { HistoryParseError, readHistory } from '../history/index.js';
import type { HistoryFormat, HistoryOp } from '../history/index.js';
import {
  HistoryError,
  ModelInputError,
  checkAsync,
  createModel,
  resultToEdn,
  visualize,
} from '../linearizability/index.js';
import type { AnyModel, CheckResult, Semantics } from '../linearizability/index.js';
import { CliUsageError, checkUsage, parseCheckArguments } from './check-options.js';
import type { CheckCommandOptions } from './check-options.js';

/** Where a command writes its output; the binary passes the process streams. */
export interface CommandIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** Exit codes of `check` (and of the other ekv-jepsen commands). */
export const exitCodes = { valid: 0, invalid: 1, unknown: 2, error: 255 } as const;

const extensionFormats: Readonly<Record<string, HistoryFormat>> = {
  '.edn': 'edn',
  '.jsonl': 'jsonl',
  '.log': 'jepsen-log',
  '.txt': 'porcupine-kv',
};

/** The format of `file` from its extension, or a usage error. */
export function inferFormat(file: string): HistoryFormat {
  const format = extensionFormats[extname(file).toLowerCase()];
  if (format === undefined)
    throw new CliUsageError(`${file}: cannot tell the format from the extension; pass --format`);
  return format;
}

/** The semantics a format's reference verdicts use: porcupine's formats use porcupine's. */
export function defaultSemantics(format: HistoryFormat): Semantics {
  return format === 'jepsen-log' || format === 'porcupine-kv' ? 'porcupine' : 'knossos';
}

/** One checked file. */
export interface FileCheck {
  readonly file: string;
  readonly result: CheckResult;
  readonly warnings: readonly string[];
  readonly history: readonly HistoryOp[];
  readonly model: AnyModel;
  readonly semantics: Semantics;
  readonly nilReadMatchesAny: boolean;
}

/** Reads and checks one history file (throws HistoryParseError / HistoryError / CliUsageError). */
export async function checkHistoryFile(
  file: string,
  options: CheckCommandOptions,
  signal?: AbortSignal,
): Promise<FileCheck> {
  const format = options.format ?? inferFormat(file);
  const semantics = options.semantics ?? defaultSemantics(format);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HistoryParseError({
      code: 'io',
      file,
      line: 0,
      reason: `cannot read: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  const parsed = readHistory(text, format, file);
  const model = createModel(options.model, options.initial);
  const nilReadMatchesAny = format === 'edn' && !options.strictNil;
  const result = await checkAsync(model, parsed.ops, {
    semantics,
    nilReadMatchesAny,
    ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
    ...(options.memoryBytesMax !== undefined ? { memoryBytesMax: options.memoryBytesMax } : {}),
    ...(signal !== undefined ? { signal } : {}),
  });
  return { file, result, warnings: parsed.warnings, history: parsed.ops, model, semantics, nilReadMatchesAny };
}

function exitCodeOf(result: CheckResult): number {
  return result.valid === true ? exitCodes.valid : result.valid === false ? exitCodes.invalid : exitCodes.unknown;
}

/** Worst of two exit codes: error, then invalid, then unknown, then valid. */
function worse(a: number, b: number): number {
  const rank = (code: number): number =>
    [exitCodes.valid, exitCodes.unknown, exitCodes.invalid, exitCodes.error].indexOf(code as 0 | 1 | 2 | 255);
  return rank(a) >= rank(b) ? a : b;
}

function textReport(checked: FileCheck): string {
  const { file, result } = checked;
  const head = `${file}: ${result.valid === true ? 'valid' : result.valid === false ? 'INVALID' : 'unknown'} (${result.model}, ${result.semantics} semantics, ${result.ops} ops, ${result.partitions.length} partitions, ${result.elapsedMs.toFixed(1)} ms)\n`;
  if (result.valid === true) return head;
  if (result.valid === 'unknown') {
    const { okOps, lastOk } = result.longestPrefix;
    const hint =
      result.reason === 'cache-full'
        ? '\n  the search cache is full: give it more with --memory (e.g. --memory 8g)'
        : result.reason === 'cancelled'
          ? ' (interrupted)'
          : '';
    return `${head}  search stopped: ${result.reason}; longest linearizable prefix: ${okOps} ok ops${lastOk ? ` (last: process ${lastOk.process} ${lastOk.description}, index ${lastOk.index})` : ''}${hint}\n`;
  }
  const lines = [
    `  cannot linearize: process ${result.op.process} ${result.op.description} (index ${result.op.index})${result.partition !== null ? ` in partition ${result.partition}` : ''}`,
  ];
  if (result.previousOk)
    lines.push(
      `  previous ok:      process ${result.previousOk.process} ${result.previousOk.description} (index ${result.previousOk.index})`,
    );
  for (const path of result.finalPaths.slice(0, 3)) {
    const steps = path.steps.map((s) => `${s.op.description} → ${s.model}`).join(', ');
    lines.push(
      `  final path: ${steps}${steps ? ', then ' : ''}${path.failure.op.description}: ${path.failure.message}`,
    );
  }
  return `${head}${lines.join('\n')}\n`;
}

function htmlPathFor(base: string, file: string, several: boolean): string {
  if (!several) return base;
  const extension = extname(base) || '.html';
  return `${base.slice(0, base.length - extname(base).length)}.${basename(file).replace(/[^\w.-]/g, '_')}${extension}`;
}

async function report(checked: FileCheck, options: CheckCommandOptions, io: CommandIo): Promise<void> {
  for (const warning of checked.warnings) io.writeErr(`warning: ${warning}\n`);
  const { result } = checked;
  if (options.output === 'json') {
    io.writeOut(
      `${JSON.stringify({ file: checked.file, valid: result.valid, model: result.model, semantics: result.semantics, ops: result.ops, partitions: result.partitions.length, elapsedMs: result.elapsedMs, result })}\n`,
    );
  } else if (options.output === 'edn') {
    io.writeOut(`${resultToEdn(result)}\n`);
  } else {
    io.writeOut(textReport(checked));
  }
  if (options.htmlPath !== undefined) {
    const path = htmlPathFor(options.htmlPath, checked.file, options.files.length > 1);
    await writeFile(
      path,
      visualize({
        result,
        history: checked.history,
        model: checked.model,
        semantics: checked.semantics,
        nilReadMatchesAny: checked.nilReadMatchesAny,
        title: `Linearizability of ${basename(checked.file)}`,
      }),
    );
    if (options.output === 'text') io.writeOut(`  explanation written to ${path}\n`);
  }
}

function describeError(error: unknown, file: string): string | undefined {
  if (error instanceof HistoryParseError) return error.message;
  if (error instanceof HistoryError)
    return error.line !== undefined ? `${file}:${error.line}: ${error.reason}` : `${file}: ${error.message}`;
  if (error instanceof ModelInputError || error instanceof CliUsageError) return `${file}: ${error.message}`;
  return undefined;
}

/**
 * Runs `ekv-jepsen check` and returns its exit code. Aborting `signal` (the
 * binary aborts it on SIGINT/SIGTERM) stops the running search within a
 * slice: its file is reported unknown (cancelled, with the longest
 * linearizable prefix) and the files after it are not checked.
 */
export async function runCheckCommand(argv: readonly string[], io: CommandIo, signal?: AbortSignal): Promise<number> {
  let options: CheckCommandOptions;
  try {
    options = parseCheckArguments(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError || error instanceof ModelInputError)) throw error;
    io.writeErr(`ekv-jepsen check: ${error.message}\n\n${checkUsage}`);
    return exitCodes.error;
  }
  if (options.help) {
    io.writeOut(checkUsage);
    return exitCodes.valid;
  }
  let exitCode: number = exitCodes.valid;
  for (const file of options.files) {
    if (signal?.aborted === true) {
      io.writeErr(`ekv-jepsen check: ${file}: not checked (interrupted)\n`);
      exitCode = worse(exitCode, exitCodes.unknown);
      continue;
    }
    try {
      const checked = await checkHistoryFile(file, options, signal);
      await report(checked, options, io);
      exitCode = worse(exitCode, exitCodeOf(checked.result));
    } catch (error) {
      const message = describeError(error, file);
      if (message === undefined) throw error;
      io.writeErr(`ekv-jepsen check: ${message}\n`);
      exitCode = worse(exitCode, exitCodes.error);
    }
  }
  return exitCode;
}
