/**
 * `ekv-node`: one reference node. Validates every flag (a refusal prints one
 * line naming the flag and exits 2), starts the node, prints exactly one
 * `READY id=… listen=…` line on stdout once serving (logs go to stderr), and
 * shuts down gracefully on SIGTERM/SIGINT (exit 0). An apply halt with
 * --exit-on-halt exits 3.
 */
import { createLogger } from '../logger.js';
import { parseNodeFlags } from '../parse-node-flags.js';
import { startNode } from '../start-node.js';

/** Runs the node until it stops; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const outcome = parseNodeFlags(argv);
  if (outcome.kind === 'exit') {
    (outcome.exitCode === 0 ? process.stdout : process.stderr).write(outcome.output);
    return outcome.exitCode;
  }
  const { config } = outcome;
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, nodeId: config.id });
  let node;
  try {
    node = await startNode(config, logger);
  } catch (error) {
    logger.fatal({ err: error instanceof Error ? error.message : String(error) }, 'startup failed');
    process.stderr.write(`ekv-node: startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'signal received');
    void node.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.stdout.write(`READY id=${config.id} listen=${node.listenAddress}\n`);
  logger.info({ listen: node.listenAddress, advertise: config.advertise }, 'serving');
  const code = await node.exitCode;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  // gRPC keeps sockets and timers that would keep the process alive; the node has closed its storage.
  setTimeout(() => process.exit(code), 50).unref();
  return code;
}
