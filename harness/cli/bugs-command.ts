/**
 * `ekv-jepsen bugs`: the bug matrix. For every catalogued bug (or those
 * `--only` names, or this runner's `--shard`), its scenario once per seed
 * with the switch and once without (the control), each an `ekv-jepsen test`
 * process of its own, one after another (or `--jobs` at once). Prints the
 * table (bug, scenario, detected k/n, checker, seconds to the first failing
 * op, control verdict), writes `<store>/bug-matrix/<timestamp>/matrix.json`
 * (and prints it with --json); exit 0 only when every bug is caught in its
 * declared share of seeds and every control is VALID, 1 otherwise, 2 when
 * interrupted, 255 on bad options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseCommand } from './parse-command.js';
import {
  matrixTable,
  parseShard,
  planMatrix,
  readRunOutcome,
  seedsOf,
  shardOf,
  summarizeMatrix,
} from '../matrix/index.js';
import type { BugCase, BugCaseRegistry, MatrixRun, MatrixSummary } from '../matrix/index.js';
import { runTimestamp } from '../store/index.js';
import { runChildren, spawnTestRun, wholeNumber } from './child-runs.js';
import type { ChildRunSpawner } from './child-runs.js';
import type { CommandIo } from './command-io.js';

/** The format tag of matrix.json. */
export const matrixFormat = 'ekv-bug-matrix/1';
/** The file the command writes in its directory. */
export const matrixFile = 'matrix.json';

/** matrix.json: the cases judged, every run, the summary. */
export interface MatrixFileContent {
  readonly format: typeof matrixFormat;
  readonly startedAt: string;
  readonly commandLine: readonly string[];
  readonly seeds: readonly number[];
  readonly shard: string | null;
  readonly interrupted: boolean;
  readonly cases: readonly BugCase[];
  readonly runs: readonly MatrixRun[];
  readonly summary: MatrixSummary;
}

function buildCommand(): Command {
  return new Command('ekv-jepsen bugs')
    .description(
      'run the bug matrix: every catalogued bug with its scenario, with and without the switch, and prove each is caught',
    )
    .option('--only <ids>', 'comma-separated bug ids (default: the whole catalogue)')
    .option('--seeds <n>', 'seeds per bug (101, 102, …; the test suite runs the first)', '1')
    .addOption(new Option('--backend <name>', 'cluster backend').choices(['local', 'docker']).default('local'))
    .option('--shard <i/n>', 'run only the i-th of n disjoint parts of the cases (CI runners)')
    .option('--jobs <n>', 'runs at once (each a cluster: more than one shares the cores their timeouts assume)', '1')
    .option('--store <dir>', 'store directory (runs go to <store>/bug-matrix/<timestamp>/)', 'store')
    .option('--json', 'print matrix.json instead of the table')
    .option('--list', 'list the catalogued cases and exit')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .allowExcessArguments(false);
}

interface BugsOptions {
  readonly cases: readonly BugCase[];
  readonly seeds: readonly number[];
  readonly backend: string;
  readonly shard: string | null;
  readonly jobs: number;
  readonly store: string;
  readonly json: boolean;
  readonly list: boolean;
}

/** Parses the options; throws an Error naming the option on bad input, returns null for --help. */
function parseBugsOptions(argv: readonly string[], registry: BugCaseRegistry): BugsOptions | null {
  const command = buildCommand();
  if (!parseCommand(command, argv)) return null;
  const o = command.opts<Record<string, string | boolean | undefined>>();
  const known = [...registry.keys()];
  let cases = [...registry.values()];
  if (typeof o['only'] === 'string') {
    const ids = o['only']
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter((s) => s !== '');
    if (ids.length === 0) throw new Error('--only: expected comma-separated bug ids');
    const unknown = ids.filter((id) => !registry.has(id));
    if (unknown.length > 0)
      throw new Error(`--only: no catalogued case for ${unknown.join(', ')} (known: ${known.join(', ')})`);
    cases = ids.map((id) => registry.get(id) as BugCase);
  }
  const shardText = typeof o['shard'] === 'string' ? o['shard'] : null;
  if (shardText !== null) cases = shardOf(cases, parseShard(shardText));
  return {
    cases,
    seeds: seedsOf(wholeNumber('--seeds', o['seeds'], 1, 100)),
    backend: String(o['backend']),
    shard: shardText,
    jobs: wholeNumber('--jobs', o['jobs'], 1, 16),
    store: String(o['store']),
    json: o['json'] === true,
    list: o['list'] === true,
  };
}

/** Runs `ekv-jepsen bugs [options]` and returns the exit code; `spawner` runs each child (tests pass a fake). */
export async function runBugsCommand(
  argv: readonly string[],
  io: CommandIo,
  registry: BugCaseRegistry,
  spawner: ChildRunSpawner = spawnTestRun,
): Promise<number> {
  let options: BugsOptions | null;
  try {
    options = parseBugsOptions(argv, registry);
  } catch (error) {
    io.writeErr(`ekv-jepsen bugs: ${(error as Error).message}\n`);
    return 255;
  }
  if (options === null) {
    io.writeOut(buildCommand().helpInformation());
    return 0;
  }
  if (options.list) {
    for (const c of options.cases)
      io.writeOut(
        `${c.id.padEnd(4)} ${c.scenario.padEnd(24)} caught by ${c.caughtBy.join(' or ')}${c.hazard === true ? ' (hazard: the correct node reproduces it)' : ''}\n     ${c.summary}\n`,
      );
    return 0;
  }
  const startedAt = new Date();
  const dir = resolve(options.store, 'bug-matrix', runTimestamp(startedAt));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const specs = planMatrix(options.cases, options.seeds, ['--backend', options.backend]);
  io.writeErr(
    `ekv-jepsen bugs: ${options.cases.length} bugs × ${options.seeds.length} seeds: ${specs.length} runs (${specs.filter((s) => s.caseId === null).length} controls), in ${dir}\n`,
  );

  const { runs, interrupted } = await runChildren(specs, {
    dir,
    jobs: options.jobs,
    spawner,
    io,
    label: 'ekv-jepsen bugs',
    finish: (spec, result): MatrixRun => ({
      ...spec,
      exitCode: result.exitCode,
      ...readRunOutcome(result.runDir),
      runDir: result.runDir,
      wallSeconds: result.wallSeconds,
    }),
    describe: (run) => `${run.verdict.toUpperCase()}${run.fired.length === 0 ? '' : ` (${run.fired.join(', ')})`}`,
  });
  const summary = summarizeMatrix(options.cases, runs);
  const content: MatrixFileContent = {
    format: matrixFormat,
    startedAt: startedAt.toISOString(),
    commandLine: ['ekv-jepsen', 'bugs', ...argv],
    seeds: options.seeds,
    shard: options.shard,
    interrupted,
    cases: options.cases,
    runs,
    summary,
  };
  writeFileSync(join(dir, matrixFile), `${JSON.stringify(content, null, 2)}\n`);
  if (options.json) io.writeOut(`${JSON.stringify(content, null, 2)}\n`);
  else io.writeOut(matrixTable(summary));
  io.writeErr(`ekv-jepsen bugs: matrix written to ${join(dir, matrixFile)}\n`);
  if (interrupted) return 2;
  return summary.pass ? 0 : 1;
}
