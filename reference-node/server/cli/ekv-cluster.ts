/**
 * `ekv-cluster`: a local cluster on 127.0.0.1 for a person to play with
 * (default 3 nodes on ports 7001-7003, data under .tmp/cluster). Prints how
 * to talk to it, forwards Ctrl-C / SIGTERM to the nodes and waits for them.
 * `{id}` in the extra node flags becomes each node's id, so flags that must
 * differ per node (an encrypted cluster's `--sidecar-path`) fit one command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { parseIntegerInRange } from '../flag-values.js';
import { FlagError } from '../flag-error.js';

interface ClusterOptions {
  readonly nodes: number;
  readonly basePort: number;
  readonly dataDir: string;
  readonly clean: boolean;
  readonly extra: readonly string[];
}

const nodeBin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bin', 'ekv-node.js');

function parse(argv: readonly string[]): ClusterOptions | { exitCode: number; output: string } {
  let output = '';
  const program = new Command('ekv-cluster')
    .description('Start a local cluster of ekv-node processes on 127.0.0.1.')
    .option('--nodes <n>', 'number of voters (1..9)', '3')
    .option('--base-port <port>', 'port of n1; node i listens on base-port + i - 1', '7001')
    .option('--data-dir <dir>', "parent of the nodes' data dirs", '.tmp/cluster')
    .option('--clean', 'delete the data dirs first')
    .argument('[node-flags...]', 'extra ekv-node flags after --, e.g. -- --log-format pretty; {id} becomes the node id')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        output += s;
      },
      writeErr: (s) => {
        output += s;
      },
    });
  try {
    program.parse([...argv], { from: 'user' });
    const options = program.opts<{ nodes: string; basePort: string; dataDir: string; clean?: boolean }>();
    const nodes = parseIntegerInRange('--nodes', options.nodes, 1, 9);
    const basePort = parseIntegerInRange('--base-port', options.basePort, 1, 65535 - nodes + 1);
    return { nodes, basePort, dataDir: resolve(options.dataDir), clean: options.clean === true, extra: program.args };
  } catch (error) {
    if (error instanceof CommanderError)
      return {
        exitCode: error.exitCode === 0 ? 0 : 2,
        output: error.exitCode === 0 ? output : `ekv-cluster: ${error.message.replace(/^error: /, '')}\n`,
      };
    if (error instanceof FlagError) return { exitCode: 2, output: `ekv-cluster: ${error.message}\n` };
    throw error;
  }
}

function startNodes(options: ClusterOptions): ChildProcess[] {
  const ids = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
  const address = (i: number): string => `127.0.0.1:${options.basePort + i}`;
  const peers = ids.map((id, i) => `${id}=${address(i)}`).join(',');
  return ids.map((id, i) => {
    const dataDir = join(options.dataDir, id);
    mkdirSync(dataDir, { recursive: true });
    const child = spawn(
      process.execPath,
      [
        nodeBin,
        '--id',
        id,
        '--listen',
        address(i),
        '--peers',
        peers,
        '--data-dir',
        dataDir,
        ...options.extra.map((flag) => flag.replaceAll('{id}', id)),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    return child;
  });
}

/** Runs the cluster until interrupted; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const options = parse(argv);
  if ('exitCode' in options) {
    (options.exitCode === 0 ? process.stdout : process.stderr).write(options.output);
    return options.exitCode;
  }
  if (options.clean && existsSync(options.dataDir)) rmSync(options.dataDir, { recursive: true, force: true });
  const children = startNodes(options);
  const first = `127.0.0.1:${options.basePort}`;
  process.stdout.write(
    `ekv-cluster: ${options.nodes} node(s) on 127.0.0.1:${options.basePort}-${options.basePort + options.nodes - 1}, data in ${options.dataDir}\n` +
      `  npx ekv-admin --addr ${first} status\n  npx ekv-admin --addr ${first} put hello world\n  npx ekv-admin --addr ${first} get hello\n` +
      'Press Ctrl-C to stop.\n',
  );
  const exits = children.map(
    (child) => new Promise<number>((resolveExit) => child.once('exit', (code) => resolveExit(code ?? 1))),
  );
  const forward = (signal: NodeJS.Signals): void => {
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const codes = await Promise.all(exits);
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  return codes.every((code) => code === 0) ? 0 : 1;
}
