/**
 * `ekv-node`: one reference node. Validates every flag (a refusal prints one
 * line naming the flag and exits 2; `--check-flags` stops right there, with
 * exit 0 and no output when the flags are valid), binds its listen socket
 * before it touches the data dir (a taken address: one line, exit 1), starts
 * the node, prints exactly one `READY id=… listen=…` line on stdout once
 * serving (logs go to stderr), and shuts down gracefully on SIGTERM/SIGINT
 * with exit 0 — in every phase: a signal during startup stops the node as
 * soon as it has started (without READY), one while serving or shutting down
 * starts or joins the one shutdown. An apply halt with --exit-on-halt exits 3.
 */
import { setLogger, setLogVerbosity, logVerbosity } from '@grpc/grpc-js';
import { createLogger, type Logger } from '../logger.js';
import type { NodeConfig } from '../node-config.js';
import { ListenError } from '../node-server.js';
import { parseNodeFlags } from '../parse-node-flags.js';
import { cryptoRandom, systemClock } from '../node-clock.js';
import { startNode, type StartedNode } from '../start-node.js';

/** What `main` needs from its process (tests substitute it). */
export interface NodeProcessIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Where SIGTERM and SIGINT arrive. */
  readonly signals: { on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown };
  readonly start: (config: NodeConfig, logger: Logger) => Promise<StartedNode>;
  /** Called with the exit code once the node ended (the real process exits: gRPC keeps sockets and timers alive). */
  readonly exit: (code: number) => void;
}

const processIo: NodeProcessIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
  // The real process: system time and crypto randomness (a simulator assembles nodes with virtual ones).
  start: (config, logger) => startNode(config, logger, { clock: systemClock, random: cryptoRandom }),
  exit: (code) => {
    setTimeout(() => process.exit(code), 50).unref();
  },
};

/** grpc-js writes its own errors to stderr ("E No address added …"); they belong in the node's log. */
function routeGrpcLogs(logger: Logger): void {
  setLogger({ error: (...args: unknown[]) => logger.debug({ grpc: args.map(String).join(' ') }, 'grpc-js') });
  setLogVerbosity(logVerbosity.ERROR);
}

/** The stop a signal asked for, in whichever phase it arrived. */
class StopRequest {
  private node: StartedNode | undefined;
  private requested = false;

  get isRequested(): boolean {
    return this.requested;
  }

  request(): void {
    this.requested = true;
    // stop() settles exitCode itself on every path; a rejection must still not go unhandled.
    this.node?.stop().catch(() => undefined);
  }

  /** The node is serving: a request from now on stops it at once. */
  serving(node: StartedNode): void {
    this.node = node;
  }
}

function startupFailure(io: NodeProcessIo, logger: Logger, error: unknown): number {
  if (error instanceof ListenError) {
    io.stderr.write(`ekv-node: ${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  logger.fatal({ err: message }, 'startup failed');
  io.stderr.write(`ekv-node: startup failed: ${message}\n`);
  return 1;
}

/** Runs the node until it stops; resolves with the process exit code. */
export async function main(argv: readonly string[], io: NodeProcessIo = processIo): Promise<number> {
  const outcome = parseNodeFlags(argv);
  if (outcome.kind === 'exit') {
    if (outcome.output !== '') (outcome.exitCode === 0 ? io.stdout : io.stderr).write(outcome.output);
    return outcome.exitCode;
  }
  const { config } = outcome;
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, nodeId: config.id });
  routeGrpcLogs(logger);
  const stop = new StopRequest();
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'signal received; stopping');
    stop.request();
  };
  // Installed before anything starts, and never removed: a signal in any phase (even the last milliseconds) is a stop.
  io.signals.on('SIGTERM', onSignal);
  io.signals.on('SIGINT', onSignal);
  let node: StartedNode;
  try {
    node = await io.start(config, logger);
  } catch (error) {
    const code = startupFailure(io, logger, error);
    io.exit(code);
    return code;
  }
  stop.serving(node);
  if (stop.isRequested) {
    logger.info('stopped during startup: not serving');
    await node.stop();
  } else {
    io.stdout.write(`READY id=${config.id} listen=${node.listenAddress}\n`);
    logger.info({ listen: node.listenAddress, advertise: config.advertise }, 'serving');
  }
  const code = await node.exitCode;
  io.exit(code);
  return code;
}
