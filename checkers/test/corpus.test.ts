// Every reference history in ../shared/data gets the verdict its README
// states; the knossos files also get the failing and previous-ok operations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../history/index.js';
import type { HistoryFormat, HistoryValue } from '../history/index.js';
import { check, createModel } from '../linearizability/index.js';
import type { ModelName } from '../linearizability/index.js';
import { etcdFileIds, etcdLinearizable, sharedDataDir } from '../testing/index.js';

const data = sharedDataDir();

function checkFile(
  relative: string,
  format: HistoryFormat,
  model: ModelName,
  initial: HistoryValue,
  semantics: 'knossos' | 'porcupine',
) {
  const path = join(data, relative);
  const history = readHistory(readFileSync(path, 'utf8'), format, path);
  return check(createModel(model, initial), history.ops, { semantics, nilReadMatchesAny: format === 'edn' });
}

describe('porcupine etcd corpus (cas-register, initial nil, porcupine semantics)', () => {
  it.each(etcdFileIds)('etcd_%s.log', (id) => {
    const result = checkFile(`porcupine/jepsen/etcd_${id}.log`, 'jepsen-log', 'cas-register', null, 'porcupine');
    expect(result.valid).toBe(etcdLinearizable.has(id));
  });

  it('etcd_095.log is empty and therefore trivially valid', () => {
    expect(checkFile('porcupine/jepsen/etcd_095.log', 'jepsen-log', 'cas-register', null, 'porcupine').valid).toBe(
      true,
    );
  });
});

describe('porcupine kv corpus (per-key partitions)', () => {
  it.each(['c01', 'c10', 'c50'])('kv %s: the -ok file is linearizable, the -bad file is not', (name) => {
    const ok = checkFile(`porcupine/kv/${name}-ok.txt`, 'porcupine-kv', 'kv', null, 'porcupine');
    expect(ok.valid).toBe(true);
    expect(ok.partitions.length).toBeGreaterThan(1);
    expect(checkFile(`porcupine/kv/${name}-bad.txt`, 'porcupine-kv', 'kv', null, 'porcupine').valid).toBe(false);
  });
});

describe('checker cases (histories that exposed weaknesses of this checker)', () => {
  it('slow-kv-info-16ops.txt (6 pending put/append) is linearizable, with a handful of cache entries', () => {
    const result = checkFile('checker-cases/slow-kv-info-16ops.txt', 'porcupine-kv', 'kv', null, 'porcupine');
    expect(result.valid).toBe(true);
    // It took 1.6 million entries before pending ops were disposed of before blind writes.
    expect(result.partitions.reduce((total, p) => total + p.cacheEntries, 0)).toBeLessThan(1_000);
  });
});

describe('knossos golden files (knossos semantics)', () => {
  const bad: readonly (readonly [string, HistoryValue, number, number, number | undefined, number | undefined])[] = [
    // file, initial, failing process, failing index, previous-ok process, previous-ok index
    ['cas-register/bad/bad-analysis.edn', 0, 21, 14, 19, 11],
    ['cas-register/bad/immediate-failure.edn', 0, 1, 3, undefined, undefined],
    ['cas-register/bad/rethink-fail-minimal.edn', null, 1, 4, undefined, undefined],
    ['cas-register/bad/cas-failure.edn', 0, 70, 491, 74, 478],
  ];
  it.each(bad)(
    '%s is not linearizable and names the failing op',
    (file, initial, process, index, previousProcess, previousIndex) => {
      const result = checkFile(`knossos/${file}`, 'edn', 'cas-register', initial, 'knossos');
      if (result.valid !== false) throw new Error(`expected invalid, got ${String(result.valid)}`);
      expect([result.op.process, result.op.type, result.op.index]).toEqual([process, 'ok', index]);
      if (previousIndex !== undefined)
        expect([result.previousOk?.process, result.previousOk?.index]).toEqual([previousProcess, previousIndex]);
      expect(result.finalPaths.length).toBeGreaterThan(0);
      expect(result.finalPaths.every((path) => path.failure.message.length > 0)).toBe(true);
    },
  );

  it('bad-analysis.edn: the final paths end in reading 2 or 3 where the register holds another value', () => {
    const result = checkFile('knossos/cas-register/bad/bad-analysis.edn', 'edn', 'cas-register', 0, 'knossos');
    if (result.valid !== false) throw new Error('expected invalid');
    expect(result.finalPaths.map((p) => p.failure.message)).toContain("can't read 2 from register 0");
    expect(result.finalPaths[0]?.steps[0]?.op.index).toBe(11);
  });

  it('cas-register-bug.edn is linearizable', () => {
    expect(checkFile('knossos/cas-register/good/cas-register-bug.edn', 'edn', 'cas-register', 0, 'knossos').valid).toBe(
      true,
    );
  });

  it('multi-register.edn is linearizable with initial {x 0, y 0}', () => {
    expect(
      checkFile('knossos/multi-register/good/multi-register.edn', 'edn', 'multi-register', { x: 0, y: 0 }, 'knossos')
        .valid,
    ).toBe(true);
  });
});
