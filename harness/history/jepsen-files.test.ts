import { parseEDNString } from 'edn-data';
import { describe, expect, it } from 'vitest';
import { opToText, resultsToEdn } from './index.js';

describe('Jepsen forms of a run', () => {
  it('history.txt: process, type, f, value (an independent key as [key value]), error', () => {
    expect(opToText({ index: 0, time: 1, process: 3, type: 'invoke', f: 'cas', key: 'k1', value: [1, 2] })).toBe(
      '3\t:invoke\t:cas\t["k1" [1 2]]',
    );
    expect(
      opToText({ index: 1, time: 2, process: 3, type: 'info', f: 'write', key: 'k1', value: 5, error: 'Timeout' }),
    ).toBe('3\t:info\t:write\t["k1" 5]\t"Timeout"');
    expect(
      opToText({
        index: 2,
        time: 3,
        process: 'nemesis',
        type: 'info',
        f: 'start-partition',
        value: { shape: 'halves' },
      }),
    ).toBe(':nemesis\t:info\t:start-partition\t{:shape "halves"}');
  });

  it('results.edn: :valid? true / false / :unknown at the top and per checker, kebab-case keywords', () => {
    const edn = resultsToEdn({
      valid: 'unknown',
      checkers: {
        linearizability: { valid: true, opsPlanned: 3 },
        'halt-apply': { valid: false, reason: 'n2 halted' },
        run: { valid: 'unknown' },
      },
      warnings: ['late'],
    });
    const parsed = parseEDNString(edn, { mapAs: 'object', keywordAs: 'string' }) as Record<string, unknown>;
    expect(parsed).toEqual({
      'valid?': 'unknown',
      checkers: {
        linearizability: { 'valid?': true, 'ops-planned': 3 },
        'halt-apply': { 'valid?': false, reason: 'n2 halted' },
        run: { 'valid?': 'unknown' },
      },
      warnings: ['late'],
    });
    expect(edn).toMatch(/^\{:valid\? :unknown,/);
    expect(edn).toContain(':halt-apply {:valid? false');
  });
});
