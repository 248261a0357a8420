import { mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isHarnessError } from '../errors/index.js';
import {
  HistoryWriter,
  historyToEdn,
  makeHistoryHeader,
  parseHistoryEdn,
  parseHistoryJsonl,
  readHistoryJsonl,
} from './index.js';
import type { HistoryOp, JsonValue } from './index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekv-history-'));
  dirs.push(dir);
  return dir;
}

const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1e9, max: 1e9 }),
    fc.string(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const opArb: fc.Arbitrary<Omit<HistoryOp, 'index'>> = fc.record(
  {
    time: fc.integer({ min: 0, max: 2 ** 50 }),
    process: fc.oneof(fc.nat({ max: 1000 }), fc.constant('nemesis' as const)),
    type: fc.constantFrom('invoke' as const, 'ok' as const, 'fail' as const, 'info' as const),
    f: fc.constantFrom('read', 'write', 'cas', 'partition-halves', 'kill-leader', 'odd name!'),
    key: fc.string(),
    value: jsonValue,
    error: fc.string(),
    node: fc.constantFrom('n1', 'n2', 'n3'),
  },
  { requiredKeys: ['time', 'process', 'type', 'f'] },
);

describe('history EDN export', () => {
  it('round-trips every op through EDN (parsed back with edn-data)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 20 }), (drafts) => {
        const ops: HistoryOp[] = drafts.map((d, index) => ({ index, ...d }));
        expect(parseHistoryEdn(historyToEdn(ops), 'mem')).toEqual(ops);
      }),
      { numRuns: 200 },
    );
  });

  it('writes keywords for type, f and the nemesis process', () => {
    const edn = historyToEdn([
      { index: 0, time: 5, process: 'nemesis', type: 'info', f: 'kill-leader', value: { node: 'n1' } },
    ]);
    expect(edn).toBe('{:index 0, :time 5, :process :nemesis, :type :info, :f :kill-leader, :value {:node "n1"}}\n');
  });
});

describe('history.jsonl', () => {
  it('writer output reads back identically, header first', () => {
    const path = join(tempDir(), 'history.jsonl');
    let now = 0;
    const writer = new HistoryWriter({
      path,
      header: makeHistoryHeader({ test: 't', seed: 7, startedAt: 'x' }),
      fsyncIntervalMs: 1000,
      clock: () => (now += 10),
    });
    const a = writer.append({ process: 0, type: 'invoke', f: 'read', key: 'k1', value: null });
    const b = writer.append({ process: 0, type: 'ok', f: 'read', key: 'k1', value: 3, node: 'n1' });
    writer.close();
    writer.close();
    const read = readHistoryJsonl(path);
    expect(read.header).toMatchObject({ format: 'ekv-history', version: 1, seed: 7 });
    expect(read.ops).toEqual([a, b]);
    expect(a).toMatchObject({ index: 0, time: 10 });
    expect(b).toMatchObject({ index: 1, time: 20 });
    expect(read.warnings).toEqual([]);
  });

  it('tolerates and reports a torn last line', () => {
    const path = join(tempDir(), 'history.jsonl');
    const writer = new HistoryWriter({
      path,
      header: makeHistoryHeader({ test: 't', seed: 1, startedAt: 'x' }),
      fsyncIntervalMs: 1000,
      clock: () => 1,
    });
    writer.append({ process: 1, type: 'invoke', f: 'write', key: 'k', value: 1 });
    writer.close();
    appendFileSync(path, '{"index":1,"time":2,"proc');
    const read = readHistoryJsonl(path);
    expect(read.ops).toHaveLength(1);
    expect(read.warnings).toHaveLength(1);
    expect(read.warnings[0]).toMatch(/history\.jsonl:3: torn last line/);
  });

  it('refuses a malformed line that is not the last, naming file:line and the reason', () => {
    const text =
      '{"index":0,"time":1,"process":0,"type":"invoke","f":"read"}\n{oops\n{"index":1,"time":2,"process":0,"type":"ok","f":"read"}\n';
    expect(() => parseHistoryJsonl(text, 'h.jsonl')).toThrow(/h\.jsonl:2: not JSON/);
    const badType = '{"index":0,"time":1,"process":0,"type":"done","f":"read"}\n';
    try {
      parseHistoryJsonl(badType, 'h.jsonl');
      expect.unreachable();
    } catch (error) {
      expect(isHarnessError(error, 'HISTORY_FORMAT')).toBe(true);
      expect((error as Error).message).toMatch(/h\.jsonl:1: "type" must be/);
    }
  });

  it('every line is complete after each append (crash-safe prefix)', () => {
    const path = join(tempDir(), 'history.jsonl');
    const writer = new HistoryWriter({
      path,
      header: makeHistoryHeader({ test: 't', seed: 1, startedAt: 'x' }),
      fsyncIntervalMs: 1000,
      clock: () => 1,
    });
    for (let i = 0; i < 5; i += 1) {
      writer.append({ process: i, type: 'invoke', f: 'read', key: 'k' });
      const text = readFileSync(path, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(parseHistoryJsonl(text, path).ops).toHaveLength(i + 1);
    }
    writer.close();
  });
});
