/**
 * `ekv-jepsen replay <run-dir>`: runs a stored run's plan (plan.jsonl, the
 * same ops and faults at the same times) with its stored configuration
 * against a fresh cluster, into a new run directory, and prints the verdict.
 * Real-time execution differs (timings, leaders), so a replay reproduces the
 * schedule, not the interleaving.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { parsePlanJsonl } from '../plan/index.js';
import { createProgressDisplay } from '../progress/index.js';
import { runTest } from '../runner/index.js';
import type { RunScenario, TestConfig } from '../runner/index.js';
import type { RolloutProgram } from '../rollout/index.js';
import type { RolloutExpectations } from '../../checkers/artifacts/index.js';
import { noExpectations } from '../../checkers/artifacts/index.js';
import { runFiles } from '../store/index.js';
import type { CommandIo } from './command-io.js';
import type { Registries } from './test-command.js';
import { adminCommand, selectBackend, verdictLine, versions, withInterrupt } from './test-command.js';

const usage = `Usage: ekv-jepsen replay <run-dir> [--store DIR]

Runs the plan of a stored run (its plan.jsonl and test.json) against a fresh
cluster and checks the new history. --store defaults to the stored run's.
`;

function parseArguments(argv: readonly string[]): { runDir: string; store: string | undefined } | 'help' {
  const command = new Command('replay')
    .argument('<run-dir>')
    .option('--store <dir>')
    .helpOption('-h, --help')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code.startsWith('commander.help')) return 'help';
    throw error;
  }
  return { runDir: command.args[0] ?? '', store: command.opts<{ store?: string }>().store };
}

/** Runs `ekv-jepsen replay` and returns its exit code. */
export async function runReplayCommand(
  argv: readonly string[],
  io: CommandIo,
  registries: Registries,
): Promise<number> {
  let config: TestConfig;
  let plan;
  let runDir: string;
  let scenario: RunScenario;
  try {
    const parsed = parseArguments(argv);
    if (parsed === 'help') {
      io.writeOut(usage);
      return 0;
    }
    runDir = parsed.runDir;
    // The real directory, not the `latest` link that moves with the next run.
    runDir = realpathSync(runDir);
    const stored = JSON.parse(readFileSync(join(runDir, runFiles.testJson), 'utf8')) as {
      config?: TestConfig;
      expectations?: RolloutExpectations;
    };
    if (stored.config === undefined) throw new Error(`${join(runDir, runFiles.testJson)} has no "config"`);
    config = {
      ...stored.config,
      leaveRunning: false,
      testCount: 1,
      ...(parsed.store === undefined ? {} : { storeDir: parsed.store }),
    };
    plan = parsePlanJsonl(readFileSync(join(runDir, runFiles.planJsonl), 'utf8'), join(runDir, runFiles.planJsonl));
    const rollout = plan.events.find((e) => e.value.kind === 'rollout')?.value as
      { program: RolloutProgram } | undefined;
    scenario = { program: rollout?.program ?? null, expectations: stored.expectations ?? noExpectations };
  } catch (error) {
    io.writeErr(
      `ekv-jepsen replay: ${error instanceof Error ? error.message.replace(/^error: /, '') : String(error)}\n${usage}`,
    );
    return 255;
  }
  const replayOf = runDir;
  const progress = createProgressDisplay();
  return withInterrupt(
    io,
    async (signal) => {
      const selected = selectBackend(config, null);
      const deps = {
        ...selected,
        workloads: registries.workloads,
        progress,
        signal,
        log: (line: string) => io.writeErr(`${line}\n`),
        versions: versions(['replay', ...argv]),
        adminCommand: adminCommand(),
      };
      const outcome = await runTest(config, deps, { plan, replayOf, scenario });
      io.writeOut(verdictLine(outcome));
      return outcome.exitCode;
    },
    () => progress.stop(),
  );
}
