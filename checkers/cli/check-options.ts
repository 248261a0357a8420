// Parses `ekv-jepsen check` arguments into a frozen configuration; every bad
// argument is a CliUsageError naming it.
import { parseArgs } from 'node:util';
import { EdnSyntaxError, historyFormats, readEdnValue } from '../history/index.js';
import type { HistoryFormat, HistoryValue } from '../history/index.js';
import { isModelName, modelNames } from '../linearizability/index.js';
import type { ModelName, Semantics } from '../linearizability/index.js';

/** A command-line argument that cannot be used. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  readonly code = 'usage';
}

/** The resolved configuration of one `check` invocation. */
export interface CheckCommandOptions {
  readonly files: readonly string[];
  readonly model: ModelName;
  readonly initial: HistoryValue | undefined;
  /** undefined: inferred per file from its extension. */
  readonly format: HistoryFormat | undefined;
  /** undefined: knossos for edn and jsonl, porcupine for porcupine's formats. */
  readonly semantics: Semantics | undefined;
  readonly budgetMs: number | undefined;
  /** Memory the search's cache may use per file (bytes); undefined: the checker's default. */
  readonly memoryBytesMax: number | undefined;
  readonly htmlPath: string | undefined;
  readonly output: 'text' | 'json' | 'edn';
  /** knossos's "an ok read of nil matches anything" (default: on for edn only). */
  readonly strictNil: boolean;
  readonly help: boolean;
}

/** Usage text of `ekv-jepsen check`. */
export const checkUsage = `Usage: ekv-jepsen check <file>... [options]

Checks each history for linearizability against a model.

Options:
  --model <name>        ${modelNames.join(', ')} (default cas-register)
  --initial <value>     initial value, JSON or EDN (0, nil, null, "a", {x 0, y 0})
  --format <format>     ${historyFormats.join(', ')} (default: from the extension:
                        .edn edn, .jsonl jsonl, .log jepsen-log, .txt porcupine-kv)
  --semantics <s>       knossos or porcupine (default: knossos for edn/jsonl,
                        porcupine for jepsen-log/porcupine-kv)
  --budget <duration>   search time per file, e.g. 500ms, 60s, 2m (default none);
                        when exhausted the verdict is unknown
  --memory <size>       memory the search's cache may use per file, e.g. 512m,
                        4g (default 2g); when full the verdict is unknown
  --html <path>         write a self-contained HTML explanation (one per file:
                        with several files, the file's name is inserted)
  --json                print one JSON object per file
  --edn                 print one EDN map per file (knossos's result shape)
  --strict-nil          an ok read of nil means "absent" even in EDN histories
                        (by default EDN follows knossos: it matches any value)
  -h, --help            show this help

Exit codes: 0 all valid, 1 some history invalid, 2 some verdict unknown
(and none invalid), 255 error (bad arguments or unreadable history).
`;

const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "500ms", "60s", "2m", "1h" or a bare number of seconds. */
export function parseDurationMs(text: string): number {
  const match = durationPattern.exec(text.trim());
  if (match === null) throw new CliUsageError(`--budget: "${text}" is not a duration (e.g. 500ms, 60s, 2m)`);
  return Number(match[1]) * (unitMs[match[2] ?? 's'] ?? 1000);
}

const sizePattern = /^(\d+(?:\.\d+)?)([kmgt]?)i?b?$/i;
const unitBytes: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Parses "512m", "4g", "1.5GiB" or a bare number of bytes. */
export function parseSizeBytes(text: string): number {
  const match = sizePattern.exec(text.trim());
  const bytes = match === null ? NaN : Number(match[1]) * (unitBytes[(match[2] ?? '').toLowerCase()] ?? NaN);
  if (!(bytes >= 1024 * 1024))
    throw new CliUsageError(`--memory: "${text}" is not a size of at least 1m (e.g. 512m, 4g)`);
  return bytes;
}

/** Parses a JSON or EDN value (nil and null both mean absent). */
export function parseInitialValue(text: string): HistoryValue {
  try {
    return JSON.parse(text) as HistoryValue;
  } catch {
    try {
      return readEdnValue(text);
    } catch (error) {
      if (error instanceof EdnSyntaxError)
        throw new CliUsageError(`--initial: "${text}" is neither JSON nor EDN (${error.reason})`);
      throw error;
    }
  }
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new CliUsageError(`${flag}: "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** Parses the arguments after `check`. */
export function parseCheckArguments(argv: readonly string[]): CheckCommandOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        initial: { type: 'string' },
        format: { type: 'string' },
        semantics: { type: 'string' },
        budget: { type: 'string' },
        memory: { type: 'string' },
        html: { type: 'string' },
        json: { type: 'boolean' },
        edn: { type: 'boolean' },
        'strict-nil': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const model = values.model ?? 'cas-register';
  if (!isModelName(model)) throw new CliUsageError(`--model: "${model}" is not one of ${modelNames.join(', ')}`);
  if (values.json === true && values.edn === true) throw new CliUsageError('--json and --edn are exclusive');
  const help = values.help === true;
  if (!help && positionals.length === 0) throw new CliUsageError('no history file given');
  return Object.freeze({
    files: positionals,
    model,
    initial: values.initial === undefined ? undefined : parseInitialValue(values.initial),
    format: oneOf(values.format, historyFormats, '--format'),
    semantics: oneOf<Semantics>(values.semantics, ['knossos', 'porcupine'], '--semantics'),
    budgetMs: values.budget === undefined ? undefined : parseDurationMs(values.budget),
    memoryBytesMax: values.memory === undefined ? undefined : parseSizeBytes(values.memory),
    htmlPath: values.html,
    output: values.json === true ? 'json' : values.edn === true ? 'edn' : 'text',
    strictNil: values['strict-nil'] === true,
    help,
  });
}
