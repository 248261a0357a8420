/**
 * `ekv-node`'s command line → a frozen NodeConfig, or a refusal naming the
 * flag (the CLI prints it on one line and exits 2). Parsing writes nothing
 * and touches no network: the data dir is only checked here (created at
 * startup, after the listen socket is bound), so `--check-flags` can run the
 * very same validation as a preflight.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { bugIdRefusal, cataloguedBugIds, parseBugId, type CataloguedBugId } from './catalogued-bugs.js';
import { parseTestKillPoint } from './test-kill-points.js';
import { checkDataDirUsable } from './data-dir.js';
import { FlagError } from './flag-error.js';
import { formatHostPort, parseHostPort, parseIdAddressList, parseIntegerInRange, parseNodeId } from './flag-values.js';
import { nodeDefaults, type LogLevel, type NodeConfig } from './node-config.js';
import {
  notAtStage,
  parseRolloutStage,
  stageBehaviour,
  stageIntroducing,
  type RolloutStage,
  type StageFeature,
} from './rollout-stage.js';

/** What parsing the command line decided. */
export type NodeFlagsOutcome =
  | { readonly kind: 'config'; readonly config: NodeConfig }
  /** `--help`/`--version`, or a refusal: print `output` and exit with `exitCode`. */
  | { readonly kind: 'exit'; readonly exitCode: number; readonly output: string };

interface RawOptions {
  readonly [name: string]: string | boolean | undefined;
}

function buildCommand(): Command {
  const int = (flag: string, doc: string, fallback: number): Option =>
    new Option(`${flag} <n>`, `${doc} (default ${fallback})`);
  return new Command('ekv-node')
    .description('A Raft-replicated key-value node (the system under test).')
    .option('--id <id>', 'stable node id, e.g. n1')
    .option('--listen <host:port>', 'address to serve KV, RaftAdmin and Peer gRPC on')
    .option('--advertise <host:port>', 'address other nodes dial (default: --listen)')
    .option('--peers <list>', 'initial voters incl. this node: n1=H:P,n2=H:P,…')
    .option('--join', 'start with an empty configuration and wait to be added')
    .option('--data-dir <dir>', 'data directory (created if missing)')
    .addOption(int('--tick-ms', 'Raft tick period in ms', nodeDefaults.tickMs))
    .addOption(int('--election-ticks', 'election timeout in ticks', nodeDefaults.electionTicks))
    .addOption(int('--heartbeat-ticks', 'heartbeat interval in ticks', nodeDefaults.heartbeatTicks))
    .addOption(int('--snapshot-entries', 'snapshot + compact every N applied entries', nodeDefaults.snapshotEntries))
    .addOption(
      int(
        '--snapshot-keep-entries',
        'entries kept behind a snapshot for slow followers',
        nodeDefaults.snapshotKeepEntries,
      ),
    )
    .addOption(int('--lease-interval-ms', 'HLC lease renewal period of the leader', nodeDefaults.leaseIntervalMs))
    .addOption(int('--proposal-timeout-ms', 'how long a write or read waits for apply', nodeDefaults.proposalTimeoutMs))
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info)')
    .option('--log-format <format>', 'json|pretty (default json)')
    .option('--exit-on-halt', 'exit with code 3 when apply halts (default)')
    .option('--no-exit-on-halt', 'keep serving Status after an apply halt')
    .option('--test-hooks', 'enable test-only RPCs (DebugProposeRaw)')
    .option(
      '--test-kill-point <point>',
      'test only, needs --test-hooks: SIGKILL this process at a named encryption-apply point (after-bootstrap-apply|after-storage-cutover-flip)',
    )
    .option(
      '--test-raft-marker-delay-ms <ms>',
      'test only, needs --test-hooks: after the Phase-2 barrier drained, wait this long before proposing the marker, so a fault aimed at the cutover lands in the window between them (default 0)',
    )
    .option('--peer-route <list>', 'override the address dialled per peer: n2=H:P,…')
    .option('--stage <stage>', 'emulated rollout stage 6A..6F (default 6F)')
    .option(
      '--bug <ids>',
      `catalogued bugs to re-introduce, comma-separated (bug-catalogue.md §10.B/§10.D; what each does: reference-node/proto/bug-catalogue.ts): ${cataloguedBugIds.join(', ')}`,
    )
    .option('--encryption-enabled', 'enable data-at-rest encryption')
    .option('--kek-file <path>', 'key-encryption-key file')
    .option('--sidecar-path <path>', 'encryption sidecar file')
    .option('--rotate-on-startup', 'rotate the storage DEK at startup')
    .option(
      '--check-flags',
      'validate the other flags exactly as a start would, then exit: 0 and no output when valid, else 2 and the one-line error; touches neither the data dir nor the network',
    )
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride();
}

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const maxRange = 1_000_000_000;

function text(options: RawOptions, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

function integer(options: RawOptions, name: string, flag: string, fallback: number, min: number, max: number): number {
  const value = text(options, name);
  return value === undefined ? fallback : parseIntegerInRange(flag, value, min, max);
}

/** A test-hook delay in ms (0 when absent); it needs --test-hooks. */
function testHookDelay(options: RawOptions, name: string, flag: string): number {
  if (text(options, name) === undefined) return 0;
  if (options['testHooks'] !== true) throw new FlagError(flag, 'is a test hook: it needs --test-hooks');
  return integer(options, name, flag, 0, 0, 600_000);
}

function parseMembership(options: RawOptions, id: string, advertise: string, join: boolean): Map<string, string> {
  const peersText = text(options, 'peers');
  if (peersText === undefined) {
    if (!join) throw new FlagError('--peers', 'required unless --join (list the initial voters including this node)');
    return new Map();
  }
  const peers = parseIdAddressList('--peers', peersText);
  const own = peers.get(id);
  if (join) {
    if (own !== undefined)
      throw new FlagError(
        '--peers',
        `a node started with --join must not list itself ('${id}'); --peers then only tells it where existing members are`,
      );
    return peers;
  }
  if (own === undefined) throw new FlagError('--peers', `must include this node '${id}'`);
  if (own !== advertise)
    throw new FlagError('--peers', `this node's address ${own} differs from its advertised address ${advertise}`);
  return peers;
}

function parseBugs(value: string | undefined): CataloguedBugId[] {
  if (value === undefined) return [];
  const bugs: CataloguedBugId[] = [];
  for (const item of value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    const bug = parseBugId(item);
    if (bug === undefined) throw new FlagError('--bug', bugIdRefusal(item) ?? `unknown catalogued bug '${item}'`);
    if (!bugs.includes(bug)) bugs.push(bug);
  }
  return bugs;
}

/** Flags the emulated release did not have refuse, naming the stage that introduced them (spec §7.1). */
function checkStageFlags(options: RawOptions, stage: RolloutStage): void {
  const behaviour = stageBehaviour(stage);
  const gated: ReadonlyArray<readonly [flag: string, given: boolean, feature: StageFeature]> = [
    ['--encryption-enabled', options['encryptionEnabled'] === true, 'kekFlags'],
    ['--kek-file', text(options, 'kekFile') !== undefined, 'kekFlags'],
    ['--rotate-on-startup', options['rotateOnStartup'] === true, 'rotateOnStartup'],
  ];
  for (const [flag, given, feature] of gated) {
    if (given && !behaviour[feature])
      throw new FlagError(
        flag,
        `${notAtStage('this flag', behaviour, feature)}; use --stage ${stageIntroducing(feature)} or later`,
      );
  }
}

function checkReadableFile(flag: string, path: string | undefined): string {
  if (path === undefined || path === '') return '';
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new FlagError(flag, `cannot read ${path}`);
  }
  return resolve(path);
}

function checkSidecarPath(path: string | undefined): string {
  if (path === undefined || path === '') return '';
  const parent = dirname(resolve(path));
  if (!existsSync(parent) || !statSync(parent).isDirectory())
    throw new FlagError('--sidecar-path', `directory ${parent} does not exist`);
  return resolve(path);
}

function resolveTiming(
  options: RawOptions,
): Pick<
  NodeConfig,
  | 'tickMs'
  | 'electionTicks'
  | 'heartbeatTicks'
  | 'snapshotEntries'
  | 'snapshotKeepEntries'
  | 'leaseIntervalMs'
  | 'proposalTimeoutMs'
> {
  const heartbeatTicks = integer(options, 'heartbeatTicks', '--heartbeat-ticks', nodeDefaults.heartbeatTicks, 1, 1_000);
  const electionTicks = integer(options, 'electionTicks', '--election-ticks', nodeDefaults.electionTicks, 2, 10_000);
  if (electionTicks <= heartbeatTicks) {
    throw new FlagError(
      '--election-ticks',
      `${electionTicks} must be greater than --heartbeat-ticks ${heartbeatTicks}`,
    );
  }
  return {
    tickMs: integer(options, 'tickMs', '--tick-ms', nodeDefaults.tickMs, 1, 60_000),
    electionTicks,
    heartbeatTicks,
    snapshotEntries: integer(
      options,
      'snapshotEntries',
      '--snapshot-entries',
      nodeDefaults.snapshotEntries,
      1,
      maxRange,
    ),
    snapshotKeepEntries: integer(
      options,
      'snapshotKeepEntries',
      '--snapshot-keep-entries',
      nodeDefaults.snapshotKeepEntries,
      0,
      maxRange,
    ),
    leaseIntervalMs: integer(
      options,
      'leaseIntervalMs',
      '--lease-interval-ms',
      nodeDefaults.leaseIntervalMs,
      10,
      3_600_000,
    ),
    proposalTimeoutMs: integer(
      options,
      'proposalTimeoutMs',
      '--proposal-timeout-ms',
      nodeDefaults.proposalTimeoutMs,
      10,
      3_600_000,
    ),
  };
}

function resolveConfig(options: RawOptions): NodeConfig {
  const idText = text(options, 'id');
  if (idText === undefined) throw new FlagError('--id', 'required');
  const id = parseNodeId('--id', idText);
  const listenText = text(options, 'listen');
  if (listenText === undefined) throw new FlagError('--listen', 'required (HOST:PORT)');
  const listen = parseHostPort('--listen', listenText);
  const advertiseText = text(options, 'advertise');
  const advertise =
    advertiseText === undefined ? formatHostPort(listen) : formatHostPort(parseHostPort('--advertise', advertiseText));
  const join = options['join'] === true;
  const peers = parseMembership(options, id, advertise, join);
  const dataDirText = text(options, 'dataDir');
  if (dataDirText === undefined) throw new FlagError('--data-dir', 'required');
  const logLevel = text(options, 'logLevel') ?? nodeDefaults.logLevel;
  if (!(logLevels as readonly string[]).includes(logLevel))
    throw new FlagError('--log-level', `unknown level '${logLevel}' (expected ${logLevels.join('|')})`);
  const logFormat = text(options, 'logFormat') ?? nodeDefaults.logFormat;
  if (logFormat !== 'json' && logFormat !== 'pretty')
    throw new FlagError('--log-format', `expected json or pretty, got '${logFormat}'`);
  const stageText = text(options, 'stage') ?? nodeDefaults.stage;
  const stage = parseRolloutStage(stageText);
  if (stage === undefined) throw new FlagError('--stage', `unknown stage '${stageText}' (expected 6A..6F)`);
  checkStageFlags(options, stage);
  const routesText = text(options, 'peerRoute');
  const peerRoutes =
    routesText === undefined ? new Map<string, string>() : parseIdAddressList('--peer-route', routesText);
  if (peerRoutes.has(id)) throw new FlagError('--peer-route', `a route for this node '${id}' makes no sense`);
  const timing = resolveTiming(options);
  const bugs = parseBugs(text(options, 'bug'));
  const kekFile = checkReadableFile('--kek-file', text(options, 'kekFile'));
  const sidecarPath = checkSidecarPath(text(options, 'sidecarPath'));
  const dataDir = checkDataDirUsable(dataDirText);
  return Object.freeze({
    id,
    listen,
    advertise,
    peers,
    join,
    dataDir,
    ...timing,
    logLevel: logLevel as LogLevel,
    logFormat,
    exitOnHalt: options['exitOnHalt'] !== false,
    testHooks: options['testHooks'] === true,
    testKillPoint: parseTestKillPoint(text(options, 'testKillPoint'), options['testHooks'] === true),
    testRaftMarkerDelayMs: testHookDelay(options, 'testRaftMarkerDelayMs', '--test-raft-marker-delay-ms'),
    peerRoutes,
    stage,
    bugs: Object.freeze(bugs),
    encryptionEnabled: options['encryptionEnabled'] === true,
    kekFile,
    sidecarPath,
    rotateOnStartup: options['rotateOnStartup'] === true,
    peerQueueMessagesMax: nodeDefaults.peerQueueMessagesMax,
    peerBatchMessagesMax: nodeDefaults.peerBatchMessagesMax,
    peerBatchBytesMax: nodeDefaults.peerBatchBytesMax,
    snapshotChunkBytes: nodeDefaults.snapshotChunkBytes,
    peerRpcTimeoutMs: nodeDefaults.peerRpcTimeoutMs,
    pendingRequestsMax: nodeDefaults.pendingRequestsMax,
    raftInputsMax: nodeDefaults.raftInputsMax,
  });
}

/** Parses `argv` (without node and script) into a NodeConfig or an exit (`--check-flags` of valid flags: exit 0, no output). */
export function parseNodeFlags(argv: readonly string[]): NodeFlagsOutcome {
  const command = buildCommand();
  let output = '';
  command.configureOutput({
    writeOut: (s) => {
      output += s;
    },
    writeErr: (s) => {
      output += s;
    },
  });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return { kind: 'exit', exitCode: 0, output };
      return { kind: 'exit', exitCode: 2, output: `ekv-node: ${error.message.replace(/^error: /, '')}\n` };
    }
    throw error;
  }
  try {
    const options = command.opts<RawOptions>();
    const config = resolveConfig(options);
    if (options['checkFlags'] === true) return { kind: 'exit', exitCode: 0, output: '' };
    return { kind: 'config', config };
  } catch (error) {
    if (error instanceof FlagError) return { kind: 'exit', exitCode: 2, output: `ekv-node: ${error.message}\n` };
    throw error;
  }
}
