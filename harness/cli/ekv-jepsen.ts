// Entry point of the `ekv-jepsen` binary (bin/ekv-jepsen.js imports the compiled
// form). It only dispatches on the subcommand: each subcommand lives in its own
// module and returns an exit code, so tests can call it without a process.
import { runCheckCommand } from '../../checkers/cli/check-command.js';
import type { CommandIo } from '../../checkers/cli/check-command.js';
import type { WorkloadRegistry } from '../workload/index.js';
import { isRunDirectory, runStoredCheck } from './check-run-command.js';
import { runReplayCommand } from './replay-command.js';
import { runTestCommand } from './test-command.js';

/** Exit code for a usage error or a crash (0 valid, 1 invalid, 2 unknown). */
const exitError = 255;

const usage = `Usage: ekv-jepsen <command> [options]

Commands:
  test [options]    run a test against a cluster and print the verdict
                    (run "ekv-jepsen test --help" for its options)
  replay <run-dir>  run a stored run's plan again against a fresh cluster
  check <run-dir>   re-analyse a stored run (store/<test>/<timestamp>/, or store/latest)
  check <file>...   check recorded histories for linearizability
                    (run "ekv-jepsen check --help" for its options)

Exit codes: 0 valid, 1 invalid, 2 unknown, 255 error.
`;

/** The process streams as the CommandIo the subcommands write to. */
function processIo(): CommandIo {
  return {
    writeOut: (text) => { process.stdout.write(text); },
    writeErr: (text) => { process.stderr.write(text); },
  };
}

/** What the launcher wires in: harness/ may not import workloads/, so the workloads are passed down. */
export interface MainOptions {
  readonly workloads?: WorkloadRegistry;
}

/** Runs `ekv-jepsen` with the given arguments (without node and script) and returns its exit code. */
export async function main(argv: readonly string[], io: CommandIo = processIo(), options: MainOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'test':
      if (options.workloads === undefined) {
        io.writeErr('ekv-jepsen: test needs the workload registry (run it through bin/ekv-jepsen.js)\n');
        return exitError;
      }
      return runTestCommand(rest, io, options.workloads);
    case 'replay':
      if (options.workloads === undefined) {
        io.writeErr('ekv-jepsen: replay needs the workload registry (run it through bin/ekv-jepsen.js)\n');
        return exitError;
      }
      return runReplayCommand(rest, io, options.workloads);
    case 'check':
      // A stored run directory is re-analysed whole; anything else is the file-based checker.
      if (rest.length === 1 && rest[0] !== undefined && isRunDirectory(rest[0])) return runStoredCheck(rest[0], io);
      return runCheckCommand(rest, io);
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
