// Entry point of the `ekv-jepsen` binary (bin/ekv-jepsen.js imports the compiled
// form). It only dispatches on the subcommand: each subcommand lives in its own
// module and returns an exit code, so tests can call it without a process.
import { runCheckCommand } from '../../checkers/cli/check-command.js';
import type { CommandIo } from '../../checkers/cli/check-command.js';
import { isRunDirectory, runStoredCheck } from './check-run-command.js';
import { runReplayCommand } from './replay-command.js';
import { runBugsCommand } from './bugs-command.js';
import { runScenariosCommand } from './scenarios-command.js';
import { runServeCommand } from './serve-command.js';
import { runSummarizeCommand } from './summarize-command.js';
import { runTestCommand } from './test-command.js';
import type { Registries } from './test-command.js';

/** Exit code for a usage error or a crash (0 valid, 1 invalid, 2 unknown). */
const exitError = 255;

const usage = `Usage: ekv-jepsen <command> [options]

Commands:
  test [options]    run a test against a cluster and print the verdict
                    (default: the full-rollout scenario under faults;
                    run "ekv-jepsen test --help" for its options)
  scenarios         list the rollout scenarios (--json for details)
  bugs [options]    the bug matrix: every catalogued bug run with and without
                    its switch, proven caught ("ekv-jepsen bugs --help")
  summarize <matrix.json>...
                    one bug matrix out of the shards' parts
  replay <run-dir>  run a stored run's plan again against a fresh cluster
  check <run-dir>   re-analyse a stored run (store/<test>/<timestamp>/, or store/latest)
  check <file>...   check recorded histories for linearizability
                    (run "ekv-jepsen check --help" for its options)
  serve             browse the store's runs and reports over HTTP
                    (--store DIR, --port N, --host 127.0.0.1)

Exit codes: 0 valid, 1 invalid, 2 unknown, 255 error.
`;

/** The process streams as the CommandIo the subcommands write to. */
function processIo(): CommandIo {
  return {
    writeOut: (text) => { process.stdout.write(text); },
    writeErr: (text) => { process.stderr.write(text); },
  };
}

/** What the launcher wires in: harness/ may not import workloads/, so workloads and scenarios are passed down. */
export interface MainOptions {
  readonly registries?: Registries;
}

/** Runs `ekv-jepsen` with the given arguments (without node and script) and returns its exit code. */
export async function main(argv: readonly string[], io: CommandIo = processIo(), options: MainOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'test':
    case 'replay':
    case 'scenarios': {
      const registries = options.registries;
      if (registries === undefined) {
        io.writeErr(`ekv-jepsen: ${command} needs the workload and scenario registries (run it through bin/ekv-jepsen.js)\n`);
        return exitError;
      }
      if (command === 'test') return runTestCommand(rest, io, registries);
      if (command === 'replay') return runReplayCommand(rest, io, registries);
      return runScenariosCommand(rest, io, registries.scenarios, registries.defaultScenario);
    }
    case 'bugs':
      if (options.registries?.bugCases === undefined) {
        io.writeErr('ekv-jepsen: bugs needs the bug catalogue (run it through bin/ekv-jepsen.js)\n');
        return exitError;
      }
      return runBugsCommand(rest, io, options.registries.bugCases);
    case 'summarize':
      return runSummarizeCommand(rest, io);
    case 'check':
      // A stored run directory is re-analysed whole with its workload's checkers; anything else is the file-based checker.
      {
        const paths = rest.filter((a) => a !== '--json');
        if (paths.length === 1 && paths[0] !== undefined && isRunDirectory(paths[0])) {
          if (options.registries === undefined) {
            io.writeErr('ekv-jepsen: check <run-dir> needs the workload registry (run it through bin/ekv-jepsen.js)\n');
            return exitError;
          }
          return runStoredCheck(paths[0], io, options.registries.workloads, { json: rest.includes('--json') });
        }
      }
      return runCheckCommand(rest, io);
    case 'serve':
      return runServeCommand(rest, io);
    case '--help':
    case '-h':
    case 'help':
      io.writeOut(usage);
      return 0;
    case undefined:
      io.writeErr(`ekv-jepsen: missing command\n${usage}`);
      return exitError;
    default:
      io.writeErr(`ekv-jepsen: unknown command "${command}"\n${usage}`);
      return exitError;
  }
}
