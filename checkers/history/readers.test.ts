import { describe, expect, it } from 'vitest';
import { HistoryParseError, readEdnHistory, readEdnValue, readHistoryJsonl, readJepsenLog } from './index.js';

function parseError(run: () => unknown): HistoryParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof HistoryParseError) return error;
    throw error;
  }
  throw new Error('expected a HistoryParseError');
}

describe('EDN histories', () => {
  it('reads one op map per line, with keywords as names and nemesis ops', () => {
    const text =
      '{:process 0, :type :invoke, :f :cas, :value [1 2], :time 5}\n; a comment\n{:process :nemesis :type :info :f :start :value "cut"}\n';
    const { ops } = readEdnHistory(text, 'h.edn');
    expect(ops).toEqual([
      { index: 0, process: 0, type: 'invoke', f: 'cas', value: [1, 2], time: 5, line: 1 },
      { index: 1, process: 'nemesis', type: 'info', f: 'start', value: 'cut', line: 3 },
    ]);
  });

  it('reads a whole-vector file and numbers ops over all elements', () => {
    const { ops } = readEdnHistory(
      '[{:process 1 :type :invoke :f :read :value nil}\n {:process 1 :type :ok :f :read :value #{1 2}}]',
      'v.edn',
    );
    expect(ops.map((op) => [op.index, op.line, op.value])).toEqual([
      [0, 1, null],
      [1, 2, [1, 2]],
    ]);
  });

  it('keeps an explicit :index (Jepsen history.edn)', () => {
    const { ops } = readEdnHistory(
      '{:index 7 :process 1 :type :invoke :f :read :value nil}\n{:index 9 :process 1 :type :ok :f :read :value 1}',
      'i.edn',
    );
    expect(ops.map((op) => op.index)).toEqual([7, 9]);
  });

  it('reads the EDN value syntax used in histories', () => {
    expect(readEdnValue('{:a [1 -2.5 "s\\"q" \\c nil true] :b #inst "2020" :c (x y) #_ :gone :d 3N}')).toEqual({
      a: [1, -2.5, 's"q', 'c', null, true],
      b: '2020',
      c: ['x', 'y'],
      d: 3,
    });
  });

  it.each([
    ['{:process 1 :type :invoke :f :read', 1, /unclosed collection/],
    ['{:process 1 :type :invoke :f :read :value nil}\n{:process 1 :type :ok :f}', 2, /odd number/],
    ['{:process 1 :type :started :f :read :value nil}', 1, /"type" must be invoke/],
    ['{:process "p" :type :invoke :f :read :value nil}', 1, /"process" must be an integer/],
    ['[{:process 1 :type :invoke :f :read :value nil}]\n]', 2, /after the closing bracket|unexpected "\]"/],
    ['{:process 1 :type :invoke :f :read :value "unterminated}', 1, /unterminated string/],
  ])('reports malformed input %j at its line', (text, line, reason) => {
    const error = parseError(() => readEdnHistory(text, 'bad.edn'));
    expect(error.file).toBe('bad.edn');
    expect(error.line).toBe(line);
    expect(error.message).toMatch(reason);
  });
});

describe('porcupine Jepsen logs', () => {
  it('reads tab- and space-separated lines; a keyword on fail/info is the error', () => {
    const text =
      'INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 3   :info   :cas    :timed-out\nINFO  jepsen.util - 4\t:fail\t:read\t:timed-out\n';
    const { ops } = readJepsenLog(text, 'etcd.log');
    expect(ops.map((op) => [op.process, op.type, op.f, op.value, op.error])).toEqual([
      [3, 'invoke', 'cas', [1, 2], undefined],
      [3, 'info', 'cas', null, 'timed-out'],
      [4, 'fail', 'read', null, 'timed-out'],
    ]);
  });

  it('rejects a line that is not a jepsen.util event', () => {
    const error = parseError(() =>
      readJepsenLog('INFO  jepsen.util - 3\t:invoke\t:read\tnil\nWARN something else\n', 'x.log'),
    );
    expect([error.line, error.code]).toEqual([2, 'syntax']);
  });
});

describe('history.jsonl', () => {
  const header = '{"type":"header","format":"ekv-history","version":1,"seed":7}';
  const invoke = '{"index":0,"time":10,"process":1,"type":"invoke","f":"write","key":"k","value":3,"node":"n1"}';
  const ok = '{"index":1,"time":20,"process":1,"type":"ok","f":"write","key":"k","value":3}';

  it('reads the header and ops', () => {
    const parsed = readHistoryJsonl(`${header}\n${invoke}\n${ok}\n`, 'history.jsonl');
    expect(parsed.header?.seed).toBe(7);
    expect(parsed.ops.map((op) => [op.index, op.type, op.key, op.node, op.line])).toEqual([
      [0, 'invoke', 'k', 'n1', 2],
      [1, 'ok', 'k', undefined, 3],
    ]);
    expect(parsed.warnings).toEqual([]);
  });

  it('tolerates a torn last line with a warning', () => {
    const parsed = readHistoryJsonl(`${invoke}\n${ok}\n{"index":2,"time":3`, 'history.jsonl');
    expect(parsed.ops).toHaveLength(2);
    expect(parsed.warnings[0]).toMatch(/history.jsonl:3: ignored a torn last line/);
  });

  it.each([
    [`${invoke}\n{"index":1,"time":\n${ok}\n`, 2, /invalid JSON/],
    [`${invoke}\n${header}\n`, 2, /header is only allowed on the first line/],
    [`{"type":"header","format":"ekv-history","version":9}\n`, 1, /unsupported history version 9/],
    [`${invoke}\n{"index":5,"process":1,"type":"ok","f":"write","value":3}\n`, 2, /"index" must be 1/],
    [`{"index":0,"process":1,"type":"done","f":"write"}\n`, 1, /"type" must be/],
  ])('rejects malformed content with file:line and reason (%#)', (text, line, reason) => {
    const error = parseError(() => readHistoryJsonl(text, 'h.jsonl'));
    expect(error.message).toMatch(new RegExp(`^h\\.jsonl:${line}: `));
    expect(error.message).toMatch(reason);
  });
});
