import { describe, expect, it } from 'vitest';
import { HistoryBuilder, halted, sample } from '../artifacts/test/builders.js';
import { checkConvergence } from './index.js';

/** x written 1 (index 5) then 2 (index 9); y written once (index 7). */
function written(): HistoryBuilder {
  const h = new HistoryBuilder();
  h.write(0, 'x', 1, { logIndex: 5 });
  h.write(1, 'y', 'a', { logIndex: 7 });
  h.write(0, 'x', 2, { logIndex: 9 });
  return h;
}

function readAll(
  h: HistoryBuilder,
  values: Record<string, readonly (readonly [string, unknown, number])[]>,
): HistoryBuilder {
  let process = 100;
  for (const [key, reads] of Object.entries(values))
    for (const [node, value, applied] of reads) h.readLocal(process++, node, key, value as never, applied);
  return h;
}

describe('convergence: final reads that agree', () => {
  it('every node read the last acknowledged value', () => {
    const h = readAll(written(), {
      x: [
        ['n1', 2, 12],
        ['n2', 2, 12],
        ['n3', 2, 10],
      ],
      y: [
        ['n1', 'a', 12],
        ['n2', 'a', 12],
        ['n3', 'a', 10],
      ],
    });
    const result = checkConvergence({ history: h.ops, samples: [] });
    expect(result.valid).toBe(true);
    expect(result.checked).toMatchObject({ keys: 2, reads: 6, compared: 6, stale: 0 });
  });

  it('a read below the last acknowledged write index is stale, not compared; a node halted at its last sample is excluded', () => {
    const h = readAll(written(), {
      x: [
        ['n1', 2, 12],
        ['n2', 1, 8],
        ['n3', 7, 4],
      ],
    });
    const samples = [
      sample(0, 'n3', { status: { appliedIndex: 3 } }),
      sample(10, 'n3', { status: halted(4, 'ErrRaftUnwrapFailed') }),
    ];
    const result = checkConvergence({ history: h.ops, samples });
    expect(result.valid).toBe(true);
    expect(result.checked).toMatchObject({ compared: 1, stale: 1, excludedNodes: 1, excludedReads: 1 });
    expect(result.notes?.[0]).toMatch(/n3 is excluded: its last sample shows it halted on entry 4/);
  });

  it('a value left by a write of unknown outcome, read by every node, is fine', () => {
    const h = written();
    h.write(2, 'x', 3, { completion: 'info' });
    readAll(h, {
      x: [
        ['n1', 3, 12],
        ['n2', 3, 12],
      ],
    });
    expect(checkConvergence({ history: h.ops, samples: [] }).valid).toBe(true);
  });
});

describe('convergence: final reads that must fail', () => {
  it('I3 (DIVERGE): two nodes past the last acknowledged write read different values', () => {
    const h = readAll(written(), {
      x: [
        ['n1', 2, 12],
        ['n2', 1, 11],
      ],
    });
    const result = checkConvergence({ history: h.ops, samples: [] });
    expect(result.valid).toBe(false);
    expect(result.findings).toEqual([
      expect.objectContaining({ invariant: 'I3', nodes: ['n1', 'n2'], opIndex: h.ops.at(-1)!.index }),
    ]);
    expect(result.reason).toMatch(/^DIVERGE on x/);
  });

  it('I3 (DIVERGE): two reads at the same applied index differ, whatever unknown writes there were', () => {
    const h = written();
    h.write(2, 'x', 3, { completion: 'info' });
    readAll(h, {
      x: [
        ['n1', 2, 12],
        ['n2', 3, 12],
      ],
    });
    expect(
      checkConvergence({ history: h.ops, samples: [] }).findings.map((f) => [f.invariant, f.undecided ?? false]),
    ).toEqual([['I3', false]]);
  });

  it('lost-write: every node reads a value older than the last acknowledged write', () => {
    const h = readAll(written(), {
      x: [
        ['n1', 1, 12],
        ['n2', 1, 12],
      ],
    });
    const result = checkConvergence({ history: h.ops, samples: [] });
    expect(result.findings.map((f) => f.invariant)).toEqual(['lost-write']);
  });
});

describe('convergence: what it cannot decide', () => {
  it('reads that disagree in a way a write of unknown outcome explains are unknown, not invalid', () => {
    const h = written();
    h.write(2, 'x', 3, { completion: 'none' });
    readAll(h, {
      x: [
        ['n1', 3, 13],
        ['n2', 2, 12],
      ],
    });
    const result = checkConvergence({ history: h.ops, samples: [] });
    expect(result.valid).toBe('unknown');
    expect(result.reason).toMatch(/writes of unknown outcome could explain/);
  });

  it('disagreeing reads when an acknowledged write has no log index are unknown', () => {
    const h = written();
    h.write(2, 'x', 3);
    readAll(h, {
      x: [
        ['n1', 3, 13],
        ['n2', 2, 12],
      ],
    });
    expect(checkConvergence({ history: h.ops, samples: [] }).valid).toBe('unknown');
  });

  it('no final local reads', () => {
    expect(checkConvergence({ history: written().ops, samples: [] }).valid).toBe('unknown');
  });
});
