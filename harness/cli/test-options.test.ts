import { describe, expect, it } from 'vitest';
import { isHarnessError } from '../errors/index.js';
import { parseTestOptions } from './test-options.js';
import type { OptionEnvironment } from './test-options.js';

const withClock: OptionEnvironment = { clockUnavailableReason: null, workloads: ['register'] };
const noClock: OptionEnvironment = { clockUnavailableReason: 'libfaketime not found at /x', workloads: ['register'] };
const parse = (argv: string[], env = withClock) => parseTestOptions(argv, env).config;

function refusal(argv: string[], env = withClock): string {
  try {
    parseTestOptions(argv, env);
  } catch (error) {
    expect(isHarnessError(error, 'INVALID_OPTION')).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('ekv-jepsen test options', () => {
  it('defaults: local, 3 nodes, register, 10 clients, 60 s, partitions+kills+pauses+clock, a random seed', () => {
    const config = parse([]);
    expect(config).toMatchObject({
      backend: 'local',
      nodes: ['n1', 'n2', 'n3'],
      workload: 'register',
      concurrency: 10,
      timeLimitMs: 60_000,
      keys: 8,
      testCount: 1,
      leaveRunning: false,
    });
    expect(config.faults).toEqual(
      expect.arrayContaining(['partition-halves', 'kill-leader', 'pause-random', 'clock-bump']),
    );
    expect(Number.isInteger(config.seed)).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('leaves clock faults out of the default when libfaketime is missing, and refuses them when asked for', () => {
    expect(parse([], noClock).faults.some((f) => f.startsWith('clock'))).toBe(false);
    expect(refusal(['--nemesis', 'clock'], noClock)).toMatch(
      /--nemesis: clock faults are unavailable: libfaketime not found/,
    );
  });

  it('resolves the documented options', () => {
    const config = parse([
      '--nodes',
      '5',
      '--nemesis',
      'kill-leader,partition-bridge',
      '--nemesis-interval',
      '2',
      '--time-limit',
      '30',
      '--rate',
      '50',
      '--concurrency',
      '4',
      '--keys',
      '2',
      '--seed',
      '42',
      '--test-count',
      '3',
      '--store',
      '/tmp/s',
      '--name',
      'mine',
      '--node-flags',
      'n2=--stage 6B',
      '--node-flags',
      'all=--tick-ms 20',
      '--bug',
      'B7',
    ]);
    expect(config).toMatchObject({
      nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
      faults: ['kill-leader', 'partition-bridge'],
      nemesisIntervalMs: 2_000,
      timeLimitMs: 30_000,
      opsPerSecond: 50,
      concurrency: 4,
      keys: 2,
      seed: 42,
      testCount: 3,
      storeDir: '/tmp/s',
      name: 'mine',
    });
    expect(config.nodeFlags).toEqual({ n2: ['--stage', '6B'] });
    expect(config.commonNodeFlags).toEqual(['--tick-ms', '20', '--bug', 'B7']);
    expect(parse(['--nemesis', 'none']).faults).toEqual([]);
    expect(parse(['--nodes', 'a1,b2']).nodes).toEqual(['a1', 'b2']);
  });

  it('picks a nemesis interval that fits one round of every requested fault into the time limit, within 1-5 s', () => {
    // 2 faults: (2·2 + 1) intervals fit 20 s at 4 s each.
    expect(parse(['--time-limit', '20', '--nemesis', 'kill-leader,pause-leader']).nemesisIntervalMs).toBe(4_000);
    expect(parse(['--time-limit', '200', '--nemesis', 'kill-leader']).nemesisIntervalMs).toBe(5_000);
    expect(parse(['--time-limit', '15']).nemesisIntervalMs).toBe(1_000);
  });

  it('refuses an interval above a third of the time limit, and warns when some requested faults cannot start', () => {
    expect(refusal(['--time-limit', '6', '--nemesis-interval', '3'])).toMatch(
      /--nemesis-interval: 3 s is more than a third of --time-limit \(6 s\)/,
    );
    const parsed = parseTestOptions(
      ['--time-limit', '30', '--nemesis', 'partition', '--nemesis-interval', '10'],
      withClock,
    );
    expect(parsed.warnings).toEqual([
      'with --nemesis-interval 10 s only 1 of the 6 requested faults can start within --time-limit 30 s',
    ]);
    expect(parseTestOptions(['--time-limit', '60'], withClock).warnings).toEqual([]);
  });

  it.each([
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['--bug', 'B999'], /--bug: unknown catalogued bug 'B999'; valid ids: B1,/],
    [['--bug', 'B7,B2'], /--bug: catalogued bug B2 cannot be switched on in the reference node: /],
    [['--backend', 'vm'], /--backend.*Allowed choices are local, docker, fake/],
    [['--nodes', '0'], /--nodes: must be between 1 and 9/],
    [['--nodes', 'n1,n1'], /--nodes: duplicate node id/],
    [['--nodes', 'N1'], /--nodes: "N1" is not a node id/],
    [['--workload', 'bank'], /--workload: unknown workload "bank" \(known: register\)/],
    [['--nemesis', 'meteor'], /--nemesis: unknown fault "meteor"/],
    [['--nemesis', 'none,kill'], /--nemesis: "none" cannot be combined/],
    [['--time-limit', 'soon'], /--time-limit: expected a number of seconds/],
    [['--time-limit', '0'], /--time-limit: must be between 1 and 86400 seconds/],
    [['--rate', '0'], /--rate: must be a number of ops\/s/],
    [['--rate', '100000', '--time-limit', '86400'], /--rate × --time-limit plans more than/],
    [['--concurrency', '0'], /--concurrency: must be between 1 and 1000/],
    [['--keys', '1.5'], /--keys: expected an integer/],
    [['--seed', 'x'], /--seed: expected an integer/],
    [['--leave-running', '--test-count', '2'], /--leave-running: cannot be combined with --test-count > 1/],
    [
      ['--backend', 'docker', '--nemesis', 'latency'],
      /--nemesis: latency and link-reset faults need the local backend/,
    ],
    [['--backend', 'docker', '--nemesis', 'link'], /--nemesis: latency and link-reset faults need the local backend/],
    [['--backend', 'docker', '--node-command', 'x'], /--node-command: only applies to the local backend/],
    [['--node-flags', 'n9=--stage 6B'], /--node-flags: unknown node "n9"/],
    [['--node-flags', 'n1=--peers x'], /--node-flags: --peers is set by the harness/],
    [['--node-flags', 'oops'], /--node-flags: expected ID=FLAGS/],
    [['extra'], /too many arguments/],
  ])('refuses %j with a message naming the option', (argv, message) => {
    expect(refusal(argv)).toMatch(message);
  });

  it('--help is recognised', () => {
    expect(parseTestOptions(['--help'], withClock).help).toBe(true);
  });
});
