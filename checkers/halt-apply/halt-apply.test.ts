import { describe, expect, it } from 'vitest';
import { noExpectations } from '../artifacts/index.js';
import type { RolloutExpectations, StatusSample } from '../artifacts/index.js';
import { HistoryBuilder, halted, sample } from '../artifacts/test/builders.js';
import { checkHaltApply } from './index.js';

const kekMissing: RolloutExpectations = {
  ...noExpectations,
  expectedHalts: [
    { nodes: ['n3'], errors: ['ErrKEKNotConfigured'], reason: 'spec §7.8: a 6A node halts on the bootstrap entry' },
  ],
};

/** n1 and n2 apply steadily from 4 to 12. */
function healthy(...nodes: string[]): StatusSample[] {
  return [0, 1, 2, 3].flatMap((round) =>
    nodes.map((node) =>
      sample(round * 250, node, {
        status: { appliedIndex: 4 + round * 3, commitIndex: 4 + round * 3, uptimeMs: 1000 + round * 250 },
      }),
    ),
  );
}

function invariants(result: ReturnType<typeof checkHaltApply>): string[] {
  return result.findings.map((finding) => finding.invariant);
}

describe('halt-apply: runs that must pass', () => {
  it('no node halts', () => {
    const result = checkHaltApply({ history: [], samples: healthy('n1', 'n2', 'n3'), expectations: noExpectations });
    expect(result.valid).toBe(true);
    expect(result.checked).toMatchObject({ nodes: 3, haltSightings: 0 });
  });

  it('a declared 6A halt on the bootstrap entry, again after a restart, while the others apply it (spec §7.8)', () => {
    const samples = [
      ...healthy('n1', 'n2'),
      sample(0, 'n3', { status: { appliedIndex: 4, stage: '6A' } }),
      sample(250, 'n3', { status: halted(5, 'ErrKEKNotConfigured', { stage: '6A', uptimeMs: 1250 }) }),
      sample(500, 'n3', { process: 'down' }),
      sample(750, 'n3', { status: halted(5, 'ErrKEKNotConfigured', { stage: '6A', uptimeMs: 100 }) }),
    ];
    expect(checkHaltApply({ history: [], samples, expectations: kekMissing }).valid).toBe(true);
  });

  it('a declared halt that an upgrade-stage restart fixes, after which the node applies the entry', () => {
    const history = new HistoryBuilder();
    history.at(400).step('upgrade-stage', { node: 'n3', params: { step: 'upgrade-stage', node: 'n3', stage: '6B' } });
    const samples = [
      ...healthy('n1', 'n2'),
      sample(250, 'n3', { status: halted(5, 'ErrKEKNotConfigured', { stage: '6A' }) }),
      sample(500, 'n3', { process: 'down' }),
      // Same stage reported (flags changed only): the upgrade-stage step is what marks the operator's change.
      sample(750, 'n3', { status: { appliedIndex: 9, stage: '6A', uptimeMs: 50 } }),
    ];
    expect(checkHaltApply({ history: history.ops, samples, expectations: kekMissing }).valid).toBe(true);
  });
});

describe('halt-apply: runs that must fail, one per rule', () => {
  it('deterministic-halt: a node that halted at H applies H after a restart (down → running)', () => {
    const samples = [
      sample(0, 'n3', { status: halted(5, 'ErrKEKNotConfigured') }),
      sample(250, 'n3', { process: 'down' }),
      sample(500, 'n3', { status: { appliedIndex: 6, uptimeMs: 10 } }),
    ];
    const result = checkHaltApply({ history: [], samples, expectations: kekMissing });
    expect(result.valid).toBe(false);
    expect(invariants(result)).toEqual(['deterministic-halt']);
    expect(result.findings[0]?.message).toMatch(/n3 applied entry 5 after a restart/);
  });

  it('deterministic-halt: a restart seen only as an uptime drop, halting at another index', () => {
    const samples = [
      sample(0, 'n3', { status: halted(5, 'ErrKEKNotConfigured', { uptimeMs: 5000 }) }),
      sample(250, 'n3', { status: halted(4, 'ErrKEKNotConfigured', { uptimeMs: 20 }) }),
    ];
    const result = checkHaltApply({ history: [], samples, expectations: kekMissing });
    expect(invariants(result)).toEqual(['deterministic-halt']);
    expect(result.findings[0]?.message).toMatch(/halted at 4 .* after a restart, but at 5/);
  });

  it('deterministic-halt: a second halt at another index in the same process lifetime', () => {
    const samples = [
      sample(0, 'n3', { status: halted(5, 'ErrKEKNotConfigured', { uptimeMs: 1000 }) }),
      sample(250, 'n3', { status: halted(6, 'ErrKEKNotConfigured', { uptimeMs: 1250 }) }),
    ];
    const result = checkHaltApply({ history: [], samples, expectations: kekMissing });
    expect(invariants(result)).toEqual(['deterministic-halt']);
    expect(result.findings[0]?.message).toMatch(/halt at 6 .* after halting at 5 .* same process lifetime/);
  });

  it('deterministic-halt: a halt that goes away without a restart', () => {
    const samples = [
      sample(0, 'n3', { status: halted(5, 'ErrKEKNotConfigured', { uptimeMs: 1000 }) }),
      sample(250, 'n3', { status: { appliedIndex: 4, uptimeMs: 1250 } }),
    ];
    expect(invariants(checkHaltApply({ history: [], samples, expectations: kekMissing }))).toEqual([
      'deterministic-halt',
    ]);
  });

  it('deterministic-halt: two replicas halt on the same entry with different errors', () => {
    const both: RolloutExpectations = {
      ...noExpectations,
      expectedHalts: [{ nodes: ['n2', 'n3'], errors: ['ErrKEKNotConfigured', 'ErrFSMWireSubtag'], reason: 'test' }],
    };
    const samples = [
      sample(0, 'n2', { status: halted(5, 'ErrFSMWireSubtag') }),
      sample(0, 'n3', { status: halted(5, 'ErrKEKNotConfigured') }),
    ];
    const result = checkHaltApply({ history: [], samples, expectations: both });
    expect(invariants(result)).toEqual(['deterministic-halt']);
    expect(result.findings[0]?.nodes).toEqual(['n2', 'n3']);
  });

  it('divergence: another replica applies the entry an undeclared halt stopped on', () => {
    const samples = [...healthy('n1', 'n2'), sample(250, 'n3', { status: halted(5, 'ErrRaftUnwrapFailed') })];
    const result = checkHaltApply({ history: [], samples, expectations: noExpectations });
    expect(invariants(result)).toEqual(['divergence', 'undeclared-halt']);
    expect(result.findings[0]?.nodes).toEqual(['n3', 'n1', 'n2']);
  });

  it('undeclared-halt: every replica halts on the same entry (a cluster-wide HALT), and a declaration must name node and error', () => {
    const samples = ['n1', 'n2', 'n3'].map((node) => sample(0, node, { status: halted(7, 'ErrKEKNotConfigured') }));
    const result = checkHaltApply({ history: [], samples, expectations: kekMissing });
    expect(invariants(result)).toEqual(['undeclared-halt', 'undeclared-halt']);
    expect(result.findings.flatMap((finding) => finding.nodes)).toEqual(['n1', 'n2']);
  });

  it('undeclared-halt: a declared node halting with an error the declaration does not name', () => {
    const samples = [sample(0, 'n3', { status: halted(7, 'ErrFSMWireSubtag') })];
    const result = checkHaltApply({ history: [], samples, expectations: kekMissing });
    expect(invariants(result)).toEqual(['undeclared-halt']);
    expect(result.findings[0]?.message).toMatch(/n3 halted on entry 7 with ErrFSMWireSubtag/);
  });

  it('ack-above-halt: a client write acknowledged at or above an undeclared halt index', () => {
    const history = new HistoryBuilder();
    history.write(0, 'x', 1, { logIndex: 6 });
    history.write(1, 'x', 2, { logIndex: 7 });
    const samples = ['n1', 'n2', 'n3'].map((node) => sample(10, node, { status: halted(7, 'ErrRaftUnwrapFailed') }));
    const result = checkHaltApply({ history: history.ops, samples, expectations: noExpectations });
    expect(invariants(result)).toContain('ack-above-halt');
    const ack = result.findings.find((finding) => finding.invariant === 'ack-above-halt');
    expect(ack?.opIndex).toBe(3);
  });

  it('I4: a halted node whose applied index reached the entry it halted on', () => {
    const samples = [sample(0, 'n3', { status: halted(5, 'ErrKEKNotConfigured', { appliedIndex: 5 }) })];
    expect(invariants(checkHaltApply({ history: [], samples, expectations: kekMissing }))).toEqual(['I4']);
  });
});

describe('halt-apply: what it cannot judge, and where findings point', () => {
  it('no samples, or a node whose Status never answered, is unknown', () => {
    expect(checkHaltApply({ history: [], samples: [], expectations: noExpectations }).valid).toBe('unknown');
    const result = checkHaltApply({
      history: [],
      samples: [...healthy('n1'), sample(0, 'n2', { status: null })],
      expectations: noExpectations,
    });
    expect(result.valid).toBe('unknown');
    expect(result.findings[0]).toMatchObject({ undecided: true, nodes: ['n2'] });
  });

  it('a finding from a sample names the last op recorded before that sample', () => {
    const history = new HistoryBuilder();
    history.at(100).write(0, 'x', 1, { logIndex: 3 });
    history.at(900).write(0, 'x', 2, { logIndex: 4 });
    const samples = [sample(500, 'n1', { status: halted(9, 'ErrRaftUnwrapFailed') })];
    const [finding] = checkHaltApply({ history: history.ops, samples, expectations: noExpectations }).findings;
    expect(finding).toMatchObject({ invariant: 'undeclared-halt', opIndex: 1, time: 500_000_000 });
  });
});
