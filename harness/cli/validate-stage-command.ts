/**
 * `ekv-jepsen validate-stage <stage>`: the suite a release at that rollout
 * stage must pass before it ships (the registry in workloads/scenarios/
 * stage-suites.ts): each entry's scenario once per seed (101, 102, …), each
 * an `ekv-jepsen test` process of its own (child-runs.ts, as `bugs` runs
 * them). Prints the verdict table (entry, scenario, seeds passed k/n,
 * verdicts, run dirs), writes `<store>/validate-stage/<timestamp>/
 * validation.json` (and prints it with --json); exit 0 only when every run is
 * VALID, 1 otherwise, 2 when interrupted, 255 on bad options (nothing is
 * created then). `--list` prints what each stage's suite contains.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseCommand } from './parse-command.js';
import { resolveBugId } from '../../reference-node/proto/index.js';
import {
  describeStageSuite,
  planStageSuite,
  readRunOutcome,
  seedsOf,
  stageTable,
  summarizeStageSuite,
} from '../matrix/index.js';
import type { StageRun, StageSuite, StageSuiteRegistry, StageSummary } from '../matrix/index.js';
import { runTimestamp } from '../store/index.js';
import { runChildren, spawnTestRun, wholeNumber } from './child-runs.js';
import type { ChildRunSpawner } from './child-runs.js';
import type { CommandIo } from './command-io.js';

/** The format tag of validation.json. */
export const validationFormat = 'ekv-stage-validation/1';
/** The file the command writes in its directory. */
export const validationFile = 'validation.json';

/** validation.json: the suite judged, every run, the summary. */
export interface ValidationFileContent {
  readonly format: typeof validationFormat;
  readonly startedAt: string;
  readonly commandLine: readonly string[];
  readonly stage: string;
  readonly seeds: readonly number[];
  readonly bug: string | null;
  readonly interrupted: boolean;
  readonly suite: StageSuite;
  readonly runs: readonly StageRun[];
  readonly summary: StageSummary;
}

function buildCommand(): Command {
  return new Command('ekv-jepsen validate-stage')
    .description(
      'run the suite a release at one rollout stage must pass: its steady state, the upgrade from the previous stage (and back where the spec allows), restarts and membership changes, under faults',
    )
    .argument('[stage]', 'the rollout stage: 6A, 6B, 6C, 6D, 6E or 6F')
    .option('--seeds <n>', 'seeds per entry (101, 102, …)', '1')
    .addOption(new Option('--backend <name>', 'cluster backend').choices(['local', 'docker']).default('local'))
    .option('--bug <ids>', 'run every entry with these catalogued bugs switched on (the suite must then fail)')
    .option('--store <dir>', 'store directory (runs go to <store>/validate-stage/<timestamp>/)', 'store')
    .option('--json', 'print validation.json instead of the table')
    .option('--list', "list what each stage's suite contains (only the named stage's when one is given) and exit")
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .allowExcessArguments(false);
}

interface ValidateOptions {
  /** Null only with --list and no stage: every suite. */
  readonly suite: StageSuite | null;
  readonly seeds: readonly number[];
  readonly backend: string;
  readonly bug: string | null;
  readonly store: string;
  readonly json: boolean;
  readonly list: boolean;
}

/** Parses the options; throws an Error naming what is wrong, returns null for --help. */
function parseValidateOptions(argv: readonly string[], registry: StageSuiteRegistry): ValidateOptions | null {
  const command = buildCommand();
  if (!parseCommand(command, argv)) return null;
  const o = command.opts<Record<string, string | boolean | undefined>>();
  const list = o['list'] === true;
  const stageText = command.args[0];
  const known = [...registry.keys()].join(', ');
  let suite: StageSuite | null = null;
  if (stageText !== undefined) {
    suite = registry.get(stageText.trim().toUpperCase()) ?? null;
    if (suite === null) throw new Error(`unknown stage "${stageText}" (stages: ${known})`);
  } else if (!list) throw new Error(`missing stage (one of ${known}; --list shows each suite)`);
  let bug: string | null = null;
  if (typeof o['bug'] === 'string') {
    for (const item of o['bug'].split(',')) {
      const resolved = resolveBugId(item);
      if (!resolved.ok) throw new Error(`--bug: ${resolved.message}`);
    }
    bug = o['bug'];
  }
  return {
    suite,
    seeds: seedsOf(wholeNumber('--seeds', o['seeds'], 1, 100)),
    backend: String(o['backend']),
    bug,
    store: String(o['store']),
    json: o['json'] === true,
    list,
  };
}

/** Runs `ekv-jepsen validate-stage [options] <stage>` and returns the exit code; `spawner` runs each child (tests pass a fake). */
export async function runValidateStageCommand(
  argv: readonly string[],
  io: CommandIo,
  registry: StageSuiteRegistry,
  spawner: ChildRunSpawner = spawnTestRun,
): Promise<number> {
  let options: ValidateOptions | null;
  try {
    options = parseValidateOptions(argv, registry);
  } catch (error) {
    io.writeErr(`ekv-jepsen validate-stage: ${(error as Error).message}\n`);
    return 255;
  }
  if (options === null) {
    io.writeOut(buildCommand().helpInformation());
    return 0;
  }
  if (options.list) {
    const suites = options.suite === null ? [...registry.values()] : [options.suite];
    io.writeOut(suites.map(describeStageSuite).join('\n'));
    return 0;
  }
  const suite = options.suite as StageSuite;
  const startedAt = new Date();
  const dir = resolve(options.store, 'validate-stage', runTimestamp(startedAt));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const extraArgs = ['--backend', options.backend, ...(options.bug === null ? [] : ['--bug', options.bug])];
  const specs = planStageSuite(suite, options.seeds, extraArgs);
  io.writeErr(
    `ekv-jepsen validate-stage: stage ${suite.stage}: ${suite.entries.length} entries × ${options.seeds.length} seeds: ${specs.length} runs, in ${dir}\n`,
  );
  const { runs, interrupted } = await runChildren(specs, {
    dir,
    jobs: 1,
    spawner,
    io,
    label: 'ekv-jepsen validate-stage',
    finish: (spec, result): StageRun => {
      const outcome = readRunOutcome(result.runDir);
      return {
        ...spec,
        exitCode: result.exitCode,
        verdict: outcome.verdict,
        fired: outcome.fired,
        reason: outcome.reason,
        runDir: result.runDir,
        wallSeconds: result.wallSeconds,
      };
    },
    describe: (run) => `${run.verdict.toUpperCase()}${run.reason === null ? '' : ` (${run.reason})`}`,
  });
  const summary = summarizeStageSuite(suite, options.seeds, runs);
  const content: ValidationFileContent = {
    format: validationFormat,
    startedAt: startedAt.toISOString(),
    commandLine: ['ekv-jepsen', 'validate-stage', ...argv],
    stage: suite.stage,
    seeds: options.seeds,
    bug: options.bug,
    interrupted,
    suite,
    runs,
    summary,
  };
  writeFileSync(join(dir, validationFile), `${JSON.stringify(content, null, 2)}\n`);
  if (options.json) io.writeOut(`${JSON.stringify(content, null, 2)}\n`);
  else io.writeOut(stageTable(summary, dir));
  io.writeErr(`ekv-jepsen validate-stage: results written to ${join(dir, validationFile)}\n`);
  if (interrupted) return 2;
  return summary.pass ? 0 : 1;
}
