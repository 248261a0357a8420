// Entry point of the `ekv-jepsen` binary (bin/ekv-jepsen.js imports the compiled
// form). It only dispatches on the subcommand: each subcommand lives in its own
// module and returns an exit code, so tests can call it without a process.
import { runCheckCommand } from '../../checkers/cli/check-command.js';
import type { CommandIo } from '../../checkers/cli/check-command.js';

/** Exit code for a usage error or a crash (0 valid, 1 invalid, 2 unknown). */
const exitError = 255;

const usage = `Usage: ekv-jepsen <command> [options]

Commands:
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

/** Runs `ekv-jepsen` with the given arguments (without node and script) and returns its exit code. */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
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
