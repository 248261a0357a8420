import { describe, expect, it } from 'vitest';
import { noExpectations } from '../artifacts/index.js';
import type { RolloutExpectations, StatusSample } from '../artifacts/index.js';
import { HistoryBuilder, halted, sample } from '../artifacts/test/builders.js';
import { checkAvailability } from './index.js';

const expectations: RolloutExpectations = { ...noExpectations, recoveryWindowMs: 2000 };

/** Faults, then the heal at 1000 ms, then a write that succeeds at 1500 ms. */
function healedHistory(): HistoryBuilder {
  const h = new HistoryBuilder();
  h.at(10).step('bootstrap', { value: { appliedIndex: 3, storageDekId: 1, raftDekId: 2, writers: 3 } });
  h.at(100).nemesis('partition', 'halves');
  h.at(200).step('enable-storage-envelope', { completion: 'info', node: 'n1' });
  h.at(400).step('enable-storage-envelope', { value: { appliedIndex: 9, wasAlreadyActive: true }, node: 'n2' });
  h.at(1000).nemesis('heal-all');
  h.at(1400).write(0, 'x', 1, { logIndex: 30 });
  return h;
}

/** Every node at commit 20 just before the heal, caught up by 1500 ms. */
function caughtUp(nodes: readonly string[] = ['n1', 'n2', 'n3']): StatusSample[] {
  return nodes.flatMap((node) => [
    sample(900, node, { status: { commitIndex: 20, appliedIndex: node === 'n3' ? 12 : 20 } }),
    sample(1500, node, { status: { commitIndex: 31, appliedIndex: 31 } }),
    sample(3500, node, { status: { commitIndex: 31, appliedIndex: 31 } }),
  ]);
}

describe('availability: runs that recover', () => {
  it('every step finished (a retry after info counts), writes recovered, every node caught up', () => {
    const result = checkAvailability({ history: healedHistory().ops, samples: caughtUp(), expectations });
    expect(result.findings).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.checked).toMatchObject({ steps: 2, nodes: 3, commitIndexAtHeal: 20, firstWriteOkAfterHealMs: 400 });
  });

  it('an allowed unfinished step, a removed node and a node halted as declared are not stuck', () => {
    const h = healedHistory();
    h.at(1600).step('rotate-dek', { completion: 'info', params: { step: 'rotate-dek', purpose: 'raft' } });
    h.at(1700).step('remove', { value: { appliedIndex: 40, node: 'n4' }, params: { step: 'remove', node: 'n4' } });
    const samples = [
      ...caughtUp(),
      sample(900, 'n4', { status: { commitIndex: 20, appliedIndex: 5 } }),
      sample(900, 'n5', { status: halted(3, 'ErrKEKNotConfigured') }),
      sample(3500, 'n5', { status: halted(3, 'ErrKEKNotConfigured') }),
    ];
    const declared: RolloutExpectations = {
      ...expectations,
      unfinishedStepsAllowed: ['rotate-dek'],
      expectedHalts: [{ nodes: ['n5'], errors: ['ErrKEKNotConfigured'], reason: '§7.8' }],
    };
    const result = checkAvailability({ history: h.ops, samples, expectations: declared });
    expect(result.valid).toBe(true);
    expect(result.notes).toHaveLength(3);
  });
});

describe('availability: steps are told apart by their id', () => {
  it('attempts of one step (same id, another attempt number) are one step; a later step of the same kind is another', () => {
    const h = healedHistory();
    h.at(1100).step('enable-raft-envelope', { completion: 'info', params: { step: 's7', attempt: 1 } });
    h.at(1200).step('enable-raft-envelope', {
      value: { appliedIndex: 40, wasAlreadyActive: false },
      params: { step: 's7', attempt: 2 },
    });
    expect(checkAvailability({ history: h.ops, samples: caughtUp(), expectations }).valid).toBe(true);
    h.at(1300).step('enable-raft-envelope', { completion: 'info', params: { step: 's9', attempt: 1 } });
    const result = checkAvailability({ history: h.ops, samples: caughtUp(), expectations });
    expect(result.findings).toEqual([
      expect.objectContaining({ invariant: 'stuck', message: expect.stringMatching(/s9/) as unknown }),
    ]);
  });
});

describe('availability: STUCK and failed steps make it invalid', () => {
  it('stuck: a rollout step whose last attempt ended info never finished', () => {
    const h = healedHistory();
    const { invoke } = h.at(1100).step('enable-raft-envelope', { completion: 'info', node: 'n1' });
    const result = checkAvailability({ history: h.ops, samples: caughtUp(), expectations });
    expect(result.valid).toBe(false);
    expect(result.findings).toEqual([
      expect.objectContaining({ invariant: 'stuck', opIndex: invoke.index, nodes: ['n1'] }),
    ]);
    expect(result.reason).toMatch(/enable-raft-envelope never succeeded/);
  });

  it('stuck: a rollout step still pending at the end of the history', () => {
    const h = healedHistory();
    h.at(1100).step('enable-raft-envelope', { completion: 'none' });
    expect(
      checkAvailability({ history: h.ops, samples: caughtUp(), expectations }).findings.map((f) => f.invariant),
    ).toEqual(['stuck']);
  });

  it('step-failed: every attempt of a step failed', () => {
    const h = healedHistory();
    h.at(1100).step('enable-raft-envelope', { completion: 'fail' });
    h.at(1200).step('enable-raft-envelope', { completion: 'fail' });
    expect(
      checkAvailability({ history: h.ops, samples: caughtUp(), expectations }).findings.map((f) => f.invariant),
    ).toEqual(['step-failed']);
  });

  it('a request the node must refuse is finished by the required refusal, not by another one', () => {
    const mustBeRefused = { errors: ['InvalidArgument'], invariant: 'I2', why: 'epochs are 16 bits' };
    const refusedWith = (error: string) => {
      const h = healedHistory();
      h.at(1100).add({
        process: 'rollout',
        type: 'invoke',
        f: 'register-writer',
        value: { step: 's9', attempt: 1, node: 'n2', localEpoch: 65_536, mustBeRefused },
      });
      h.add({ process: 'rollout', type: 'fail', f: 'register-writer', value: { step: 's9', attempt: 1 }, error });
      return checkAvailability({ history: h.ops, samples: caughtUp(), expectations }).findings.map((f) => f.invariant);
    };
    expect(refusedWith('InvalidArgument')).toEqual([]);
    expect(refusedWith('NotLeader')).toEqual(['step-failed']);
  });

  it('stuck: client writes keep failing through the recovery window', () => {
    const h = healedHistory();
    h.ops.splice(h.ops.length - 2, 2);
    h.at(1200).write(0, 'x', 1, { completion: 'info' });
    h.at(2500).write(1, 'x', 2, { completion: 'fail' });
    h.at(3500).write(2, 'x', 3, { logIndex: 40 });
    const result = checkAvailability({ history: h.ops, samples: caughtUp(), expectations });
    expect(result.findings.map((f) => f.invariant)).toEqual(['stuck']);
    expect(result.reason).toMatch(/did not recover within 2000 ms.*first succeeded 2500 ms after it/);
  });

  it('stuck: a node that never catches up to the commit index of the heal', () => {
    const samples = caughtUp(['n1', 'n2']).concat([
      sample(900, 'n3', { status: { commitIndex: 20, appliedIndex: 12 } }),
      sample(3500, 'n3', { status: { commitIndex: 31, appliedIndex: 19 } }),
    ]);
    const result = checkAvailability({ history: healedHistory().ops, samples, expectations });
    expect(result.findings).toEqual([expect.objectContaining({ invariant: 'stuck', nodes: ['n3'] })]);
    expect(result.findings[0]?.message).toMatch(/n3 did not apply up to the commit index 20/);
  });

  it('stuck: a node that catches up only after the window', () => {
    const samples = caughtUp(['n1', 'n2']).concat([
      sample(900, 'n3', { status: { appliedIndex: 1 } }),
      sample(3500, 'n3', { status: { commitIndex: 31, appliedIndex: 31 } }),
    ]);
    expect(checkAvailability({ history: healedHistory().ops, samples, expectations }).valid).toBe(false);
  });
});

describe('availability: what it cannot judge', () => {
  it('faults without a final heal, no samples, no write after the heal, sampling that stops inside the window', () => {
    const unhealed = healedHistory();
    unhealed.ops.splice(unhealed.ops.length - 4, 2);
    unhealed.nemesis('partition', 'majority');
    unhealed.add({ process: 'nemesis', type: 'invoke', f: 'heal-all', value: null });
    const cut = checkAvailability({ history: unhealed.ops, samples: caughtUp(), expectations });
    expect(cut.valid).toBe('unknown');
    expect(cut.reason).toMatch(/no completed final heal-all/);
    expect(checkAvailability({ history: healedHistory().ops, samples: [], expectations }).valid).toBe('unknown');
    const noWrites = healedHistory();
    noWrites.ops.splice(noWrites.ops.length - 2, 2);
    expect(checkAvailability({ history: noWrites.ops, samples: caughtUp(), expectations }).reason).toMatch(
      /No client write was attempted after the final heal/,
    );
    const early = [
      ...caughtUp(['n1', 'n2']),
      sample(900, 'n3', { status: { appliedIndex: 12 } }),
      sample(1200, 'n3', { status: { appliedIndex: 15 } }),
    ];
    const result = checkAvailability({ history: healedHistory().ops, samples: early, expectations });
    expect(result.valid).toBe('unknown');
    expect(result.reason).toMatch(/sampling stopped 199 ms after the heal/);
  });
});
