// Entry point of the `ekv-jepsen` binary (bin/ekv-jepsen.js imports the compiled
// form). It only dispatches on the subcommand: each subcommand lives in its own
// module and returns an exit code, so tests can call it without a process.
// Subcommands are imported when dispatched, not at start-up: checking one
// history file must not load gRPC, the cluster backends and the workloads
// (that took ~1.7 s of a ~20 ms check).
import { existsSync, statSync } from 'node:fs';
import type { CommandIo } from '../../checkers/cli/check-command.js';
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
  validate-stage <stage> [options]
                    the release suite of one rollout stage (6A…6F): steady
                    state, upgrade from the previous stage and back where the
                    spec allows, restarts, membership changes, under faults
                    ("ekv-jepsen validate-stage --list" shows each suite)
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

/**
 * The process streams as the CommandIo the subcommands write to. A reader that
 * closes its end (`ekv-jepsen scenarios | head`) ends only the output to it, not
 * the command: a run keeps going and still writes its store, its nodes are
 * still stopped. (Node would otherwise crash on the EPIPE of the next write.)
 */
function processIo(): CommandIo {
  const closed = new Set<NodeJS.WriteStream>();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closed.add(stream);
    });
  }
  const write = (stream: NodeJS.WriteStream, text: string): void => {
    if (!closed.has(stream)) stream.write(text);
  };
  return {
    writeOut: (text) => {
      write(process.stdout, text);
    },
    writeErr: (text) => {
      write(process.stderr, text);
    },
  };
}

/** What the launcher wires in: harness/ may not import workloads/, so workloads and scenarios are passed down. */
export interface MainOptions {
  readonly registries?: Registries;
  /** Loads the registries when a command needs them (the launcher's lazy form of `registries`). */
  readonly loadRegistries?: () => Promise<Registries>;
}

/** A directory: only a directory can be a stored run (checked before loading the run-directory code). */
function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * `check <file>...` with SIGINT/SIGTERM wired to cancel the search: the
 * checker returns to the event loop between slices, so the handler runs, the
 * search stops with its longest linearizable prefix, and the exit code is 2.
 */
async function runFileCheck(argv: readonly string[], io: CommandIo): Promise<number> {
  const { runCheckCommand } = await import('../../checkers/cli/check-command.js');
  const controller = new AbortController();
  const cancel = (): void => {
    controller.abort();
  };
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    return await runCheckCommand(argv, io, controller.signal);
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

/** Runs `ekv-jepsen` with the given arguments (without node and script) and returns its exit code. */
export async function main(
  argv: readonly string[],
  io: CommandIo = processIo(),
  options: MainOptions = {},
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'test':
    case 'replay':
    case 'scenarios': {
      if (command === 'test') {
        // Refused before the harness, its backends and the workloads load (seconds on a loaded machine).
        const problem = await bugIdProblem(rest);
        if (problem !== null) {
          io.writeErr(`ekv-jepsen test: --bug: ${problem}\n(run "ekv-jepsen test --help" for the options)\n`);
          return exitError;
        }
      }
      const registries = options.registries ?? (await options.loadRegistries?.());
      if (registries === undefined) {
        io.writeErr(
          `ekv-jepsen: ${command} needs the workload and scenario registries (run it through bin/ekv-jepsen.js)\n`,
        );
        return exitError;
      }
      if (command === 'test') return (await import('./test-command.js')).runTestCommand(rest, io, registries);
      if (command === 'replay') return (await import('./replay-command.js')).runReplayCommand(rest, io, registries);
      return (await import('./scenarios-command.js')).runScenariosCommand(
        rest,
        io,
        registries.scenarios,
        registries.defaultScenario,
      );
    }
    case 'bugs': {
      const bugCases = (options.registries ?? (await options.loadRegistries?.()))?.bugCases;
      if (bugCases === undefined) {
        io.writeErr('ekv-jepsen: bugs needs the bug catalogue (run it through bin/ekv-jepsen.js)\n');
        return exitError;
      }
      return (await import('./bugs-command.js')).runBugsCommand(rest, io, bugCases);
    }
    case 'validate-stage': {
      const stageSuites = (options.registries ?? (await options.loadRegistries?.()))?.stageSuites;
      if (stageSuites === undefined) {
        io.writeErr('ekv-jepsen: validate-stage needs the stage suites (run it through bin/ekv-jepsen.js)\n');
        return exitError;
      }
      return (await import('./validate-stage-command.js')).runValidateStageCommand(rest, io, stageSuites);
    }
    case 'summarize':
      return (await import('./summarize-command.js')).runSummarizeCommand(rest, io);
    case 'check':
      // A stored run directory is re-analysed whole with its workload's checkers; anything else is the file-based checker.
      {
        const paths = rest.filter((a) => a !== '--json');
        if (paths.length === 1 && paths[0] !== undefined && isDirectory(paths[0])) {
          const { isRunDirectory, runStoredCheck } = await import('./check-run-command.js');
          if (isRunDirectory(paths[0])) {
            const registries = options.registries ?? (await options.loadRegistries?.());
            if (registries === undefined) {
              io.writeErr(
                'ekv-jepsen: check <run-dir> needs the workload registry (run it through bin/ekv-jepsen.js)\n',
              );
              return exitError;
            }
            return runStoredCheck(paths[0], io, registries.workloads, { json: rest.includes('--json') });
          }
        }
      }
      return runFileCheck(rest, io);
    case 'serve':
      return (await import('./serve-command.js')).runServeCommand(rest, io);
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

/** The first `--bug` id of `argv` the node's catalogue refuses, with why; null when all are known. */
async function bugIdProblem(argv: readonly string[]): Promise<string | null> {
  const values = argv.flatMap((arg, i) =>
    arg === '--bug' ? [argv[i + 1] ?? ''] : arg.startsWith('--bug=') ? [arg.slice('--bug='.length)] : [],
  );
  if (values.length === 0) return null;
  const { resolveBugId } = await import('../../reference-node/proto/bug-catalogue.js');
  for (const item of values.flatMap((v) => v.split(','))) {
    const resolved = resolveBugId(item);
    if (!resolved.ok) return resolved.message;
  }
  return null;
}
