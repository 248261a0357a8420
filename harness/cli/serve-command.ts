/**
 * `ekv-jepsen serve [--store DIR] [--port N] [--host ADDR]`: browses a store
 * over HTTP (bound to 127.0.0.1 unless told otherwise) until Ctrl-C.
 */
import { existsSync, statSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { startStoreServer } from '../report/index.js';
import type { CommandIo } from './command-io.js';

const usage = `Usage: ekv-jepsen serve [--store DIR] [--port N] [--host ADDR]

Lists every run of the store (newest first, filterable by verdict and
scenario) with links to each run's report.html and files.
  --store DIR   the store (default: store)
  --port N      TCP port, 0 for any free one (default: 8080)
  --host ADDR   address to bind (default: 127.0.0.1)
`;

interface ServeArguments {
  readonly store: string;
  readonly port: number;
  readonly host: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new InvalidArgumentError(`--port must be an integer 0..65535, got "${text}"`);
  return port;
}

function parseArguments(argv: readonly string[]): ServeArguments | 'help' {
  const command = new Command('serve')
    .option('--store <dir>', 'store', 'store')
    .option('--port <n>', 'port', parsePort, 8080)
    .option('--host <addr>', 'host', '127.0.0.1')
    .helpOption('-h, --help')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code.startsWith('commander.help')) return 'help';
    throw error;
  }
  if (command.args.length > 0) throw new Error(`unexpected argument "${command.args[0] ?? ''}"`);
  return command.opts<ServeArguments>();
}

/** Runs `ekv-jepsen serve` until `signal` (default: SIGINT/SIGTERM) and returns its exit code. */
export async function runServeCommand(argv: readonly string[], io: CommandIo, signal?: AbortSignal): Promise<number> {
  let parsed: ServeArguments | 'help';
  try {
    parsed = parseArguments(argv);
    if (parsed !== 'help' && !(existsSync(parsed.store) && statSync(parsed.store).isDirectory()))
      throw new Error(`--store ${parsed.store} is not a directory (run "ekv-jepsen test" first, or name the store)`);
  } catch (error) {
    io.writeErr(
      `ekv-jepsen serve: ${error instanceof Error ? error.message.replace(/^error: /, '') : String(error)}\n${usage}`,
    );
    return 255;
  }
  if (parsed === 'help') {
    io.writeOut(usage);
    return 0;
  }
  let server;
  try {
    server = await startStoreServer(parsed);
  } catch (error) {
    io.writeErr(
      `ekv-jepsen serve: cannot listen on ${parsed.host}:${parsed.port}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 255;
  }
  io.writeOut(`ekv-jepsen serve: browsing ${parsed.store} at ${server.url} (Ctrl-C to stop)\n`);
  const stop = signal ?? processSignal();
  await new Promise<void>((resolveStop) =>
    stop.aborted ? resolveStop() : stop.addEventListener('abort', () => resolveStop(), { once: true }),
  );
  await server.close();
  return 0;
}

function processSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
