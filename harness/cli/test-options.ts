/**
 * `ekv-jepsen test` options (commander) → a frozen TestConfig. Every option is
 * validated with a message naming it; unknown options and contradictory
 * combinations are refused before anything runs.
 */
import { randomInt } from 'node:crypto';
import { Command, Option } from 'commander';
import { parseCommand } from './parse-command.js';
import type { BackendName } from '../cluster/cluster-backend.js';
import { resolveBugId } from '../../reference-node/proto/index.js';
import { HarnessError } from '../errors/index.js';
import { defaultNemesisIntervalMs, faultCapability, faultsBeyondTimeLimit, parseFaultList } from '../nemesis/index.js';
import type { FaultName } from '../nemesis/index.js';
import { testDefaults } from '../runner/index.js';
import type { TestConfig } from '../runner/index.js';
import type { Scenario, ScenarioRegistry } from '../scenario/index.js';

/** Flags the harness sets itself; passing them through would break the cluster. */
const harnessOwnedNodeFlags = ['--id', '--listen', '--advertise', '--peers', '--join', '--data-dir', '--peer-route'];
const nodeIdPattern = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** What the CLI knows about the environment when resolving defaults. */
export interface OptionEnvironment {
  /** Why clock faults cannot run (libfaketime missing), or null. */
  readonly clockUnavailableReason: string | null;
  readonly workloads: readonly string[];
  /** The scenarios `--scenario` offers (none: plain workload runs only). */
  readonly scenarios?: ScenarioRegistry;
  /** The scenario run when neither --scenario nor --workload is given. */
  readonly defaultScenario?: string;
}

/** Parsed options plus the local-backend program override. */
export interface ParsedTestOptions {
  readonly config: TestConfig;
  /** The scenario the config came from (its program and expectations are built per seed), or null. */
  readonly scenario: Scenario | null;
  /** `--node-command`: program (and args) to run instead of ekv-node on the local backend. */
  readonly nodeCommand: readonly string[] | null;
  /** Warnings about the options (a fault that cannot fit the time limit), printed before the run. */
  readonly warnings: readonly string[];
  readonly help: boolean;
}

function fail(option: string, reason: string): never {
  throw new HarnessError('INVALID_OPTION', `${option}: ${reason}`);
}

function integerOption(option: string, text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) fail(option, `expected an integer, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) fail(option, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function secondsOption(option: string, text: string, minSeconds: number, maxSeconds: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) fail(option, `expected a number of seconds, got "${text}"`);
  if (value < minSeconds || value > maxSeconds)
    fail(option, `must be between ${minSeconds} and ${maxSeconds} seconds, got ${value}`);
  return Math.round(value * 1000);
}

function parseNodes(text: string): string[] {
  if (/^\d+$/.test(text)) return Array.from({ length: integerOption('--nodes', text, 1, 9) }, (_, i) => `n${i + 1}`);
  const ids = text.split(',').map((s) => s.trim());
  for (const id of ids)
    if (!nodeIdPattern.test(id)) fail('--nodes', `"${id}" is not a node id (lowercase letters, digits, _ or -)`);
  if (new Set(ids).size !== ids.length) fail('--nodes', 'duplicate node id');
  return ids;
}

/** `ID=FLAGS` or `all=FLAGS` (flags split on whitespace) → flags per node. */
function parseNodeFlags(
  entries: readonly string[],
  nodes: readonly string[],
): { common: string[]; perNode: Record<string, string[]> } {
  const common: string[] = [];
  const perNode: Record<string, string[]> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) fail('--node-flags', `expected ID=FLAGS or all=FLAGS, got "${entry}"`);
    const target = entry.slice(0, eq);
    const flags = entry
      .slice(eq + 1)
      .trim()
      .split(/\s+/)
      .filter((f) => f !== '');
    for (const flag of flags) {
      const name = flag.split('=')[0] ?? flag;
      if (harnessOwnedNodeFlags.includes(name))
        fail('--node-flags', `${name} is set by the harness and cannot be passed through`);
    }
    if (target === 'all') common.push(...flags);
    else if (nodes.includes(target)) (perNode[target] ??= []).push(...flags);
    else fail('--node-flags', `unknown node "${target}" (nodes: ${nodes.join(', ')}, or all)`);
  }
  return { common, perNode };
}

function defaultFaults(environment: OptionEnvironment, backend: BackendName): FaultName[] {
  const text =
    environment.clockUnavailableReason === null && backend !== 'fake'
      ? testDefaults.nemesisText
      : 'partition,kill,pause';
  return parseFaultList(text);
}

function checkFaults(
  faults: readonly FaultName[],
  backend: BackendName,
  environment: OptionEnvironment,
  explicit: boolean,
): void {
  const capabilities = new Set(faults.map(faultCapability));
  if (capabilities.has('clock') && environment.clockUnavailableReason !== null && explicit)
    fail('--nemesis', `clock faults are unavailable: ${environment.clockUnavailableReason}`);
  if (capabilities.has('latency') && backend === 'docker')
    fail(
      '--nemesis',
      'latency and link-reset faults need the local backend (this kernel has no tc netem for containers)',
    );
}

function buildCommand(): Command {
  return new Command('ekv-jepsen test')
    .description('run a Jepsen-style test against a reference-node cluster and print the verdict')
    .addOption(
      new Option('--backend <name>', 'cluster backend (fake = in-process stand-in SUT, for harness self-tests)')
        .choices(['local', 'docker', 'fake'])
        .default(testDefaults.backend),
    )
    .option('--nodes <n|ids>', 'node count (1-9) or comma-separated ids', String(testDefaults.nodeCount))
    .option(
      '--scenario <name>',
      'rollout scenario (run "ekv-jepsen scenarios" for the list; default: full-rollout unless --workload is given)',
    )
    .option('--workload <name>', 'workload without a rollout (e.g. register)')
    .option(
      '--nemesis <faults>',
      'faults: none, groups (partition, kill, pause, clock, latency, link) or fine names (partition-halves, kill-leader, …)',
    )
    .option(
      '--nemesis-interval <s>',
      'seconds between fault changes (default: dense enough that every requested fault runs once within --time-limit; at most a third of it)',
    )
    .option('--time-limit <s>', 'seconds of main phase', String(testDefaults.timeLimitMs / 1000))
    .option('--rate <ops/s>', 'client ops per second (all clients together)', String(testDefaults.opsPerSecond))
    .option('--concurrency <n>', 'client threads', String(testDefaults.concurrency))
    .option('--keys <n>', 'independent keys', String(testDefaults.keys))
    .option('--canary-share <0..1>', 'share of main-phase ops that are canary writes (rollout workloads)')
    .option('--seed <n>', 'seed of the plan (default: random, printed)')
    .option('--test-count <n>', 'run the test this many times (seeds seed, seed+1, …)', String(testDefaults.testCount))
    .option('--leave-running', 'keep the cluster running after the test until Ctrl-C')
    .option('--store <dir>', 'store directory for run directories', testDefaults.storeDir)
    .option('--name <name>', 'test name (run directory store/<name>/<timestamp>/)')
    .option(
      '--node-flags <ID=FLAGS>',
      "extra ekv-node flags for node ID (or all), repeatable; {id} becomes each node's id",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--bug <ids>', 'pass --bug IDS to every node (catalogued bugs)')
    .option(
      '--recovery-time <s>',
      'seconds between the final heal and the final reads',
      String(testDefaults.recoveryMs / 1000),
    )
    .option('--op-timeout <ms>', 'client op deadline in milliseconds', String(testDefaults.opTimeoutMs))
    .option(
      '--node-command <cmd>',
      'local backend: run this program (space-separated) instead of ekv-node (test doubles)',
    )
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .allowExcessArguments(false);
}

/** Usage text of `ekv-jepsen test`. */
export function testUsage(): string {
  return buildCommand().helpInformation();
}

type RawOptions = Record<string, string | boolean | string[] | undefined>;

/** Parsed options, and which of them the user gave (the others are defaults a scenario may replace). */
interface Raw {
  readonly options: RawOptions;
  readonly explicit: ReadonlySet<string>;
}

function parseRaw(argv: readonly string[]): Raw | null {
  const command = buildCommand();
  if (!parseCommand(command, argv, (message) => new HarnessError('INVALID_OPTION', message))) return null;
  const options = command.opts<RawOptions>();
  const explicit = new Set(Object.keys(options).filter((key) => command.getOptionValueSource(key) === 'cli'));
  return { options, explicit };
}

/** The scenario the options select: --scenario, else the default one unless --workload names a plain workload. */
function selectScenario(raw: Raw, environment: OptionEnvironment): Scenario | null {
  const scenarios = environment.scenarios ?? new Map<string, Scenario>();
  const named = raw.options['scenario'];
  if (typeof named === 'string') {
    const scenario = scenarios.get(named);
    if (scenario === undefined)
      fail(
        '--scenario',
        `unknown scenario "${named}" (known: ${[...scenarios.keys()].join(', ') || 'none'}; "ekv-jepsen scenarios" lists them)`,
      );
    if (raw.options['backend'] === 'fake')
      fail(
        '--scenario',
        'the fake backend has no rollout (no EncryptionAdmin): use --backend local or docker, or --workload register',
      );
    return scenario;
  }
  // The in-process fake SUT has no rollout: without --scenario it runs the plain workload.
  if (raw.explicit.has('workload') || environment.defaultScenario === undefined || raw.options['backend'] === 'fake')
    return null;
  return scenarios.get(environment.defaultScenario) ?? null;
}

function resolveFaults(
  raw: Raw,
  scenario: Scenario | null,
  environment: OptionEnvironment,
  backend: BackendName,
): FaultName[] {
  const given = raw.options['nemesis'];
  try {
    if (typeof given === 'string') return parseFaultList(given);
    if (scenario !== null) {
      const faults = parseFaultList(scenario.defaults.nemesis);
      // A scenario's clock faults are left out (not refused) where libfaketime is missing, like the plain default.
      return environment.clockUnavailableReason === null
        ? faults
        : faults.filter((f) => faultCapability(f) !== 'clock');
    }
    return defaultFaults(environment, backend);
  } catch (error) {
    fail('--nemesis', (error as Error).message);
  }
}

/** Per-node flags of a scenario's stages, then the user's --node-flags on top. */
function scenarioNodeFlags(
  scenario: Scenario | null,
  nodes: readonly string[],
  perNode: Record<string, string[]>,
): Record<string, string[]> {
  if (scenario === null) return perNode;
  const flags: Record<string, string[]> = {};
  for (const node of nodes) {
    const stage = scenario.defaults.stages[node];
    const own = [...(stage === undefined ? [] : ['--stage', stage]), ...(perNode[node] ?? [])];
    if (own.length > 0) flags[node] = own;
  }
  return flags;
}

/** Parses and validates `ekv-jepsen test` arguments. */
export function parseTestOptions(argv: readonly string[], environment: OptionEnvironment): ParsedTestOptions {
  const raw = parseRaw(argv);
  if (raw === null) {
    return {
      config: { ...testDefaults, nodes: [], faults: [], seed: 0, commonNodeFlags: [], nodeFlags: {} },
      scenario: null,
      nodeCommand: null,
      warnings: [],
      help: true,
    };
  }
  const scenario = selectScenario(raw, environment);
  const given = (name: string): boolean => raw.explicit.has(name);
  const text = (name: string): string => String(raw.options[name]);
  const backend = text('backend') as BackendName;
  const nodes = scenario !== null && !given('nodes') ? [...scenario.defaults.nodes] : parseNodes(text('nodes'));
  const workload = scenario?.workload ?? (given('workload') ? text('workload') : testDefaults.workload);
  if (given('workload') && scenario !== null && text('workload') !== scenario.workload)
    fail(
      '--workload',
      `scenario ${scenario.name} runs the ${scenario.workload} workload; leave --workload out or pick another scenario`,
    );
  if (!environment.workloads.includes(workload))
    fail('--workload', `unknown workload "${workload}" (known: ${environment.workloads.join(', ')})`);
  const faults = resolveFaults(raw, scenario, environment, backend);
  checkFaults(faults, backend, environment, given('nemesis'));
  const timeLimitMs =
    scenario !== null && !given('timeLimit')
      ? scenario.defaults.timeLimitMs
      : secondsOption('--time-limit', text('timeLimit'), 1, 86_400);
  const nemesisIntervalMs = given('nemesisInterval')
    ? secondsOption('--nemesis-interval', text('nemesisInterval'), 0.1, 3_600)
    : defaultNemesisIntervalMs(timeLimitMs, faults.length);
  if (faults.length > 0 && nemesisIntervalMs * 3 > timeLimitMs)
    fail(
      '--nemesis-interval',
      `${nemesisIntervalMs / 1000} s is more than a third of --time-limit (${timeLimitMs / 1000} s): faults would hardly run`,
    );
  const opsPerSecond = scenario !== null && !given('rate') ? scenario.defaults.opsPerSecond : Number(text('rate'));
  if (!(opsPerSecond > 0) || opsPerSecond > 100_000)
    fail('--rate', `must be a number of ops/s in (0, 100000], got "${text('rate')}"`);
  if ((opsPerSecond * timeLimitMs) / 1000 > testDefaults.planEventsMax)
    fail('--rate', `--rate × --time-limit plans more than ${testDefaults.planEventsMax} ops`);
  const testCount = integerOption('--test-count', text('testCount'), 1, 10_000);
  const leaveRunning = raw.options['leaveRunning'] === true;
  if (leaveRunning && testCount > 1)
    fail('--leave-running', 'cannot be combined with --test-count > 1 (which cluster would stay?)');
  const nodeCommand = raw.options['nodeCommand'] === undefined ? null : text('nodeCommand').trim().split(/\s+/);
  if (nodeCommand !== null && backend !== 'local') fail('--node-command', 'only applies to the local backend');
  const { common, perNode } = parseNodeFlags(raw.options['nodeFlags'] as string[], nodes);
  if (raw.options['bug'] !== undefined) {
    // The catalogue is the node's public contract: an unknown id is refused here, before any process starts.
    for (const item of text('bug').split(',')) {
      const resolved = resolveBugId(item);
      if (!resolved.ok) fail('--bug', resolved.message);
    }
    common.push('--bug', text('bug'));
  }
  const canaryShare = given('canaryShare')
    ? Number(text('canaryShare'))
    : (scenario?.defaults.canaryShare ?? testDefaults.canaryShare);
  if (!(canaryShare >= 0 && canaryShare < 1))
    fail('--canary-share', `must be a number in [0, 1), got "${text('canaryShare')}"`);
  const label = scenario?.name ?? workload;
  const name =
    raw.options['name'] === undefined ? `${label}-${faults.length === 0 ? 'no-faults' : 'faults'}` : text('name');
  const { nodeCount: _nodeCount, nemesisText: _nemesisText, ...bounds } = testDefaults;
  const config: TestConfig = {
    ...bounds,
    name,
    backend,
    nodes,
    workload,
    scenario: scenario?.name ?? null,
    faults,
    nemesisIntervalMs,
    timeLimitMs,
    opsPerSecond,
    concurrency:
      scenario !== null && !given('concurrency')
        ? scenario.defaults.concurrency
        : integerOption('--concurrency', text('concurrency'), 1, 1_000),
    keys:
      scenario !== null && !given('keys') ? scenario.defaults.keys : integerOption('--keys', text('keys'), 1, 100_000),
    seed:
      raw.options['seed'] === undefined
        ? randomInt(0, 2 ** 31 - 1)
        : integerOption('--seed', text('seed'), -(2 ** 31), 2 ** 31 - 1),
    testCount,
    leaveRunning,
    storeDir: text('store'),
    commonNodeFlags: [...(scenario?.defaults.commonNodeFlags ?? []), ...common],
    nodeFlags: scenarioNodeFlags(scenario, nodes, perNode),
    encryptionNodes: scenario === null ? [] : scenario.defaults.encryptionNodes.filter((n) => nodes.includes(n)),
    joiners: scenario === null ? [] : scenario.defaults.joiners.filter((n) => nodes.includes(n)),
    canaryShare,
    recoveryMs: secondsOption('--recovery-time', text('recoveryTime'), 0, 3_600),
    opTimeoutMs: integerOption('--op-timeout', text('opTimeout'), 10, 600_000),
  };
  const beyond = faultsBeyondTimeLimit(faults.length, nemesisIntervalMs, timeLimitMs);
  const warnings =
    beyond === 0
      ? []
      : [
          `with --nemesis-interval ${nemesisIntervalMs / 1000} s only ${faults.length - beyond} of the ${faults.length} requested faults can start within --time-limit ${timeLimitMs / 1000} s`,
        ];
  return { config: Object.freeze(config), scenario, nodeCommand, warnings, help: false };
}
