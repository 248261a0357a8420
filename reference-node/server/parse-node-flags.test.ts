import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNodeFlags } from './parse-node-flags.js';
import { parseBugId } from './catalogued-bugs.js';

const dir = mkdtempSync(join(tmpdir(), 'ekv-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const peers = 'n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003';
const base = ['--id', 'n1', '--listen', '127.0.0.1:7001', '--peers', peers, '--data-dir', join(dir, 'data')];

function refusal(argv: readonly string[]): string {
  const outcome = parseNodeFlags(argv);
  if (outcome.kind !== 'exit') throw new Error(`expected a refusal, got a config for ${argv.join(' ')}`);
  expect(outcome.exitCode).toBe(2);
  expect(outcome.output.trim().split('\n')).toHaveLength(1);
  return outcome.output.trim();
}

function config(argv: readonly string[]) {
  const outcome = parseNodeFlags(argv);
  if (outcome.kind !== 'config') throw new Error(`expected a config, got: ${outcome.output}`);
  return outcome.config;
}

function replace(flag: string, value: string): string[] {
  const argv = [...base];
  argv[argv.indexOf(flag) + 1] = value;
  return argv;
}

function without(flag: string): string[] {
  const argv = [...base];
  argv.splice(argv.indexOf(flag), 2);
  return argv;
}

describe('parseNodeFlags', () => {
  it('accepts the documented command line and applies defaults', () => {
    const c = config(base);
    expect(c.id).toBe('n1');
    expect(c.advertise).toBe('127.0.0.1:7001');
    expect([...c.peers.keys()]).toEqual(['n1', 'n2', 'n3']);
    expect(c.tickMs).toBe(25);
    expect(c.electionTicks).toBe(20);
    expect(c.heartbeatTicks).toBe(2);
    expect(c.snapshotEntries).toBe(10_000);
    expect(c.exitOnHalt).toBe(true);
    expect(c.testHooks).toBe(false);
    expect(c.stage).toBe('6F');
    expect(c.bugs).toEqual([]);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('parses every optional flag', () => {
    const c = config([
      ...base,
      '--tick-ms',
      '20',
      '--election-ticks',
      '20',
      '--heartbeat-ticks',
      '2',
      '--snapshot-entries',
      '5',
      '--snapshot-keep-entries',
      '0',
      '--lease-interval-ms',
      '500',
      '--proposal-timeout-ms',
      '900',
      '--log-level',
      'debug',
      '--log-format',
      'pretty',
      '--no-exit-on-halt',
      '--test-hooks',
      '--peer-route',
      'n2=127.0.0.1:9002',
      '--stage',
      '6f',
      '--bug',
      'b7,B10-lease-bypass,B7',
      '--encryption-enabled',
      '--rotate-on-startup',
    ]);
    expect(c).toMatchObject({
      tickMs: 20,
      electionTicks: 20,
      heartbeatTicks: 2,
      snapshotEntries: 5,
      snapshotKeepEntries: 0,
      leaseIntervalMs: 500,
      proposalTimeoutMs: 900,
      logLevel: 'debug',
      logFormat: 'pretty',
      exitOnHalt: false,
      testHooks: true,
      stage: '6F',
      bugs: ['B7', 'B10'],
      encryptionEnabled: true,
      rotateOnStartup: true,
    });
    expect(c.peerRoutes.get('n2')).toBe('127.0.0.1:9002');
  });

  it('--test-raft-marker-delay-ms: a test hook (needs --test-hooks), 0 when absent, an integer in range', () => {
    expect(config(base).testRaftMarkerDelayMs).toBe(0);
    expect(config([...base, '--test-hooks', '--test-raft-marker-delay-ms', '2000']).testRaftMarkerDelayMs).toBe(2000);
    expect(refusal([...base, '--test-raft-marker-delay-ms', '2000'])).toMatch(
      /--test-raft-marker-delay-ms.*needs --test-hooks/,
    );
    expect(refusal([...base, '--test-hooks', '--test-raft-marker-delay-ms', '-1'])).toMatch(
      /--test-raft-marker-delay-ms/,
    );
    expect(refusal([...base, '--test-hooks', '--test-raft-marker-delay-ms', 'soon'])).toMatch(
      /--test-raft-marker-delay-ms/,
    );
  });

  it('accepts --join without --peers, and --join with peers that exclude itself', () => {
    expect(
      config(['--id', 'n4', '--listen', '127.0.0.1:7004', '--join', '--data-dir', join(dir, 'j')]).peers.size,
    ).toBe(0);
    expect(
      config(['--id', 'n4', '--listen', '127.0.0.1:7004', '--join', '--peers', peers, '--data-dir', join(dir, 'j')])
        .join,
    ).toBe(true);
  });

  it('accepts container names as hosts and a wildcard listen address with --advertise', () => {
    const c = config([
      '--id',
      'n1',
      '--listen',
      '0.0.0.0:7001',
      '--advertise',
      'ekv-run_1-n1:7001',
      '--peers',
      'n1=ekv-run_1-n1:7001,n2=ekv-run_1-n2:7001',
      '--data-dir',
      join(dir, 'd'),
    ]);
    expect(c.advertise).toBe('ekv-run_1-n1:7001');
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 7001 });
  });

  it('--help exits 0 with usage', () => {
    const outcome = parseNodeFlags(['--help']);
    expect(outcome).toMatchObject({ kind: 'exit', exitCode: 0 });
    expect(outcome.kind === 'exit' && outcome.output).toContain('--peer-route');
  });

  const refusals: ReadonlyArray<readonly [string, readonly string[], RegExp]> = [
    ['missing --id', without('--id'), /--id: required/],
    ['bad id', replace('--id', 'N1'), /--id: invalid node id 'N1'/],
    ['too long id', replace('--id', 'n'.repeat(33)), /--id: invalid node id/],
    ['missing --listen', without('--listen'), /--listen: required/],
    ['listen without port', replace('--listen', '127.0.0.1'), /--listen: expected HOST:PORT/],
    ['listen port 0', replace('--listen', '127.0.0.1:0'), /--listen: port 0 out of range/],
    ['listen port too big', replace('--listen', '127.0.0.1:70000'), /--listen: port 70000 out of range/],
    ['listen port not a number', replace('--listen', '127.0.0.1:http'), /--listen: invalid port 'http'/],
    ['listen bad host', replace('--listen', 'a b:7001'), /--listen: invalid host/],
    ['bad advertise', [...base, '--advertise', 'nope'], /--advertise: expected HOST:PORT/],
    ['missing --peers', without('--peers'), /--peers: required unless --join/],
    [
      'self not in peers',
      replace('--peers', 'n2=127.0.0.1:7002,n3=127.0.0.1:7003'),
      /--peers: must include this node 'n1'/,
    ],
    ['duplicate peer id', replace('--peers', `${peers},n2=127.0.0.1:7005`), /--peers: duplicate node id 'n2'/],
    [
      'duplicate peer address',
      replace('--peers', 'n1=127.0.0.1:7001,n2=127.0.0.1:7001'),
      /--peers: nodes 'n1' and 'n2' share the address/,
    ],
    ['malformed peer item', replace('--peers', 'n1=127.0.0.1:7001,n2'), /--peers: expected ID=HOST:PORT, got 'n2'/],
    ['empty peers', replace('--peers', ','), /--peers: expected ID=HOST:PORT.*empty list/],
    ['bad peer id', replace('--peers', 'n1=127.0.0.1:7001,N2=127.0.0.1:7002'), /--peers: invalid node id 'N2'/],
    [
      'own address differs',
      [...base, '--advertise', '127.0.0.1:7999'],
      /--peers: this node's address 127.0.0.1:7001 differs from its advertised address 127.0.0.1:7999/,
    ],
    ['join lists itself', [...base, '--join'], /--peers: a node started with --join must not list itself/],
    ['missing --data-dir', without('--data-dir'), /--data-dir: required/],
    ['tick-ms zero', [...base, '--tick-ms', '0'], /--tick-ms: 0 out of range/],
    ['tick-ms not a number', [...base, '--tick-ms', 'fast'], /--tick-ms: expected a whole number, got 'fast'/],
    [
      'election-ticks not above heartbeat',
      [...base, '--election-ticks', '3', '--heartbeat-ticks', '3'],
      /--election-ticks: 3 must be greater than --heartbeat-ticks 3/,
    ],
    ['heartbeat-ticks zero', [...base, '--heartbeat-ticks', '0'], /--heartbeat-ticks: 0 out of range/],
    ['election-ticks one', [...base, '--election-ticks', '1'], /--election-ticks: 1 out of range/],
    ['snapshot-entries zero', [...base, '--snapshot-entries', '0'], /--snapshot-entries: 0 out of range/],
    [
      'negative keep entries',
      [...base, '--snapshot-keep-entries', '-1'],
      /--snapshot-keep-entries: expected a whole number/,
    ],
    ['lease interval too small', [...base, '--lease-interval-ms', '5'], /--lease-interval-ms: 5 out of range/],
    ['proposal timeout too small', [...base, '--proposal-timeout-ms', '1'], /--proposal-timeout-ms: 1 out of range/],
    ['bad log level', [...base, '--log-level', 'loud'], /--log-level: unknown level 'loud'/],
    ['bad log format', [...base, '--log-format', 'xml'], /--log-format: expected json or pretty, got 'xml'/],
    ['bad stage', [...base, '--stage', '7A'], /--stage: unknown stage '7A'/],
    [
      'unknown bug',
      [...base, '--bug', 'B7,B999'],
      /--bug: unknown catalogued bug 'B999'; valid ids: B1,B3,.*,E1,.*,E23$/,
    ],
    [
      'inexpressible bug',
      [...base, '--bug', 'B7,B2'],
      /--bug: catalogued bug B2 cannot be switched on in the reference node: .+; valid ids: B1,/,
    ],
    ['garbage bug', [...base, '--bug', 'wrap'], /--bug: unknown catalogued bug 'wrap'/],
    ['bad peer route', [...base, '--peer-route', 'n2=nowhere'], /--peer-route: expected HOST:PORT/],
    ['peer route to self', [...base, '--peer-route', 'n1=127.0.0.1:9001'], /--peer-route: a route for this node 'n1'/],
    ['unreadable kek file', [...base, '--kek-file', join(dir, 'missing.kek')], /--kek-file: cannot read/],
    [
      'sidecar in a missing dir',
      [...base, '--sidecar-path', join(dir, 'nope', 'sidecar.json')],
      /--sidecar-path: directory .* does not exist/,
    ],
    ['unknown flag', [...base, '--frobnicate'], /unknown option '--frobnicate'/],
    ['stray argument', [...base, 'extra'], /too many arguments|unknown command|excess/i],
  ];
  it.each(refusals)('refuses %s with one line naming the flag', (_name, argv, message) => {
    expect(refusal(argv)).toMatch(message);
  });

  describe('flags an emulated stage did not have (spec §7.1)', () => {
    const kek = join(dir, 'stage.kek');
    writeFileSync(kek, new Uint8Array(32), { mode: 0o600 });
    const stageRefusals: ReadonlyArray<readonly [string, readonly string[], RegExp]> = [
      [
        '6A',
        ['--encryption-enabled'],
        /^ekv-node: --encryption-enabled: this flag is not available at stage 6A \(introduced in 6B\); use --stage 6B or later$/,
      ],
      ['6a', ['--kek-file', kek], /^ekv-node: --kek-file: this flag is not available at stage 6A \(introduced in 6B\)/],
      [
        '6A',
        ['--rotate-on-startup'],
        /^ekv-node: --rotate-on-startup: this flag is not available at stage 6A \(introduced in 6F\)/,
      ],
      [
        '6E',
        ['--encryption-enabled', '--kek-file', kek, '--rotate-on-startup'],
        /^ekv-node: --rotate-on-startup: .* stage 6E \(introduced in 6F\); use --stage 6F or later$/,
      ],
      ['6B', ['--rotate-on-startup'], /--rotate-on-startup: .* stage 6B \(introduced in 6F\)/],
    ];
    it.each(stageRefusals)(
      'stage %s refuses %j naming the flag and the stage that introduced it',
      (stage, flags, message) => {
        expect(refusal([...base, '--stage', stage, ...flags])).toMatch(message);
      },
    );

    it('accepts each flag from the stage that introduced it, and --sidecar-path at every stage', () => {
      const sidecar = join(dir, 'stage.sidecar');
      expect(config([...base, '--stage', '6A', '--sidecar-path', sidecar]).sidecarPath).toBe(sidecar);
      expect(config([...base, '--stage', '6B', '--encryption-enabled', '--kek-file', kek])).toMatchObject({
        stage: '6B',
        encryptionEnabled: true,
        kekFile: kek,
      });
      expect(config([...base, '--stage', '6F', '--rotate-on-startup'])).toMatchObject({
        stage: '6F',
        rotateOnStartup: true,
      });
    });
  });

  it('refuses a data dir that is a file, below a file, or not writable', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(refusal(replace('--data-dir', file))).toMatch(/--data-dir: .* is not a writable directory/);
    expect(refusal(replace('--data-dir', join(file, 'sub', 'dir')))).toMatch(
      /--data-dir: .* is not a writable directory \(.*a-file is not a directory\)/,
    );
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      expect(refusal(replace('--data-dir', locked))).toMatch(/--data-dir: .* is not a writable directory/);
      expect(refusal(replace('--data-dir', join(locked, 'below')))).toMatch(
        /--data-dir: .* cannot create it: no write permission/,
      );
    }
  });

  it('writes nothing: a missing data dir is checked, not created (startup creates it once the port is bound)', () => {
    const fresh = join(dir, 'not-yet', 'data');
    expect(config(replace('--data-dir', fresh)).dataDir).toBe(fresh);
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
  });

  it('--check-flags: valid flags exit 0 with no output; invalid ones give exactly the refusal a start gives', () => {
    const fresh = join(dir, 'checked');
    expect(parseNodeFlags([...replace('--data-dir', fresh), '--check-flags'])).toEqual({
      kind: 'exit',
      exitCode: 0,
      output: '',
    });
    expect(existsSync(fresh)).toBe(false);
    for (const bad of [
      [...base, '--bug', 'B999'],
      [...base, '--stage', '6A', '--rotate-on-startup'],
      [...base, '--kek-file', join(dir, 'absent')],
      [...base, '--no-such-flag'],
      replace('--listen', 'nowhere'),
    ]) {
      expect(refusal([...bad, '--check-flags'])).toBe(refusal(bad));
    }
  });

  it('knows exactly the catalogued bug list', () => {
    for (const id of [
      'B1',
      'B3',
      'B4',
      'B5',
      'B6',
      'B7',
      'B8',
      'B9',
      'B10',
      'B11',
      'B13',
      'B15',
      'B16',
      'B17',
      'B21',
      'B23',
      'B24',
      'B25',
      'B26',
      'B27',
      'B30',
      'B36',
      'B37',
      'B40',
      'B42',
      'B45',
      'B46',
      'B47',
      'E1',
      'E2',
      'E5',
      'E6',
      'E13',
      'E14',
      'E16',
      'E17',
      'E19',
      'E21',
      'E22',
      'E23',
    ]) {
      expect(parseBugId(id.toLowerCase())).toBe(id);
    }
    for (const id of ['B2', 'B12', 'B14', 'B28', 'B48', 'B0', 'E15', 'E25', 'E3'])
      expect(parseBugId(id)).toBeUndefined();
  });
});
