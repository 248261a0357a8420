import { describe, expect, it } from 'vitest';
import { isHarnessError } from '../../errors/index.js';
import { applyContainerEvent, parseEventChunk } from './container-events.js';
import { demuxDockerLogs, hasLineSince, parseDockerTimestamp } from './docker-logs.js';
import { faketimeSpec } from './faketime-offset.js';
import { blockedAddressesOf, chainRules, chainSetupRules, partitionChain, validateGrudge } from './partition-rules.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxDockerLogs', () => {
  it('splits interleaved stdout and stderr frames in order', () => {
    const buffer = Buffer.concat([
      frame(1, 'READY id=n1\n'),
      frame(2, 'log a\n'),
      frame(1, 'more\n'),
      frame(2, 'log b\n'),
    ]);
    expect(demuxDockerLogs(buffer)).toEqual({ stdout: 'READY id=n1\nmore\n', stderr: 'log a\nlog b\n' });
  });

  it('keeps what a torn last frame holds', () => {
    const buffer = Buffer.concat([frame(1, 'one\n'), frame(2, 'two-long-line\n').subarray(0, 12)]);
    expect(demuxDockerLogs(buffer)).toEqual({ stdout: 'one\n', stderr: 'two-' });
  });
});

describe('parseDockerTimestamp', () => {
  it('compares fractions of different lengths numerically (Go trims trailing zeros)', () => {
    const a = parseDockerTimestamp('2026-11-23T09:40:30.3212Z');
    const b = parseDockerTimestamp('2026-11-23T09:40:30.32123Z');
    expect(b - a).toBe(30_000n);
    expect(parseDockerTimestamp('2026-11-23T09:40:30Z')).toBe(BigInt(Date.parse('2026-11-23T09:40:30Z')) * 1_000_000n);
  });

  it('refuses text that is not a timestamp', () => {
    expect(() => parseDockerTimestamp('yesterday')).toThrow(/RFC 3339/);
  });
});

describe('hasLineSince', () => {
  const output = [
    '2026-11-23T09:00:00.5Z READY id=n1 listen=0.0.0.0:7000',
    '2026-11-23T09:00:05.000000001Z other line',
    '',
  ].join('\n');

  it('finds a READY line of the current run only', () => {
    expect(hasLineSince(output, /^READY id=/, parseDockerTimestamp('2026-11-23T09:00:00.4Z'))).toBe(true);
    // The READY of a run before a kill must not count for the run after it.
    expect(hasLineSince(output, /^READY id=/, parseDockerTimestamp('2026-11-23T09:00:00.6Z'))).toBe(false);
  });
});

describe('partition rules', () => {
  const addresses = new Map([
    ['n1', '172.20.0.2'],
    ['n2', '172.20.0.3'],
    ['n3', '172.20.0.4'],
  ]);

  it('drops, in each namespace, exactly the peers the grudge names (one-way too)', () => {
    const grudge = new Map([
      ['n1', new Set(['n2', 'n3'])],
      ['n3', new Set(['n1'])],
    ]);
    expect(blockedAddressesOf('n1', grudge, addresses)).toEqual(['172.20.0.3', '172.20.0.4']);
    expect(blockedAddressesOf('n2', grudge, addresses)).toEqual([]);
    expect(blockedAddressesOf('n3', grudge, addresses)).toEqual(['172.20.0.2']);
  });

  it('skips peers without an address (killed) and the node itself', () => {
    const grudge = new Map([['n1', new Set(['n1', 'n4'])]]);
    expect(blockedAddressesOf('n1', grudge, addresses)).toEqual([]);
  });

  it('rewrites the whole chain in one restore input, and a heal leaves it empty', () => {
    expect(chainRules(['172.20.0.4', '172.20.0.3', '172.20.0.4'])).toBe(
      `*filter\n:${partitionChain} - [0:0]\n-A ${partitionChain} -s 172.20.0.3/32 -j DROP\n-A ${partitionChain} -s 172.20.0.4/32 -j DROP\nCOMMIT\n`,
    );
    expect(chainRules([])).toBe(`*filter\n:${partitionChain} - [0:0]\nCOMMIT\n`);
    expect(chainSetupRules()).toContain(`-I INPUT -j ${partitionChain}`);
  });

  it('refuses a grudge naming an unknown node', () => {
    const grudge = new Map([['n1', new Set(['n9'])]]);
    let caught: unknown;
    try {
      validateGrudge(grudge, ['n1', 'n2']);
    } catch (error) {
      caught = error;
    }
    expect(isHarnessError(caught, 'UNKNOWN_NODE')).toBe(true);
    expect(() => validateGrudge(new Map([['n2', new Set(['n1'])]]), ['n1', 'n2'])).not.toThrow();
  });
});

describe('faketimeSpec', () => {
  it('formats offsets as signed seconds with milliseconds', () => {
    expect(faketimeSpec(90_000)).toBe('+90.000\n');
    expect(faketimeSpec(-1_500)).toBe('-1.500\n');
    expect(faketimeSpec(7)).toBe('+0.007\n');
    expect(faketimeSpec(0)).toBe('+0.000\n');
  });

  it('refuses fractional and absurd offsets', () => {
    expect(() => faketimeSpec(1.5)).toThrow(/integer/);
    expect(() => faketimeSpec(10 * 366 * 24 * 3600 * 1000)).toThrow(/within/);
  });
});

describe('container events', () => {
  const runtime = {
    running: true,
    paused: false,
    pid: 42,
    networkAddress: '172.20.0.2',
    clientPort: 7001,
    startedAtNs: 1n,
  };

  it('marks a node dead on die and tracks pause/unpause; other events change nothing', () => {
    expect(applyContainerEvent(runtime, { status: 'die', id: 'c1' })).toMatchObject({
      running: false,
      paused: false,
      pid: null,
      networkAddress: null,
    });
    expect(applyContainerEvent(runtime, { status: 'pause', id: 'c1' }).paused).toBe(true);
    expect(applyContainerEvent({ ...runtime, paused: true }, { status: 'unpause', id: 'c1' }).paused).toBe(false);
    expect(applyContainerEvent(runtime, { status: 'exec_start', id: 'c1' })).toBe(runtime);
  });

  it('splits the JSON lines of the event stream across chunk boundaries', () => {
    const first = parseEventChunk('', '{"status":"die","id":"c1"}\n{"status":"pa');
    expect(first.events).toEqual([{ status: 'die', id: 'c1' }]);
    const second = parseEventChunk(first.rest, 'use","id":"c2"}\nnot json\n');
    expect(second).toEqual({ events: [{ status: 'pause', id: 'c2' }], rest: '' });
  });
});
