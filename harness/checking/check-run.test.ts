import { describe, expect, it } from 'vitest';
import type { HistoryOp, OpDraft } from '../history/index.js';
import { checkHistory, combineValidity, exitCodeOf, historyStats } from './index.js';

function history(drafts: readonly OpDraft[]): HistoryOp[] {
  return drafts.map((d, index) => ({ index, time: index * 1000, ...d }));
}

const nemesis = (f: string): OpDraft[] => [
  { process: 'nemesis', type: 'info', f, value: null },
  { process: 'nemesis', type: 'info', f, value: 'done' },
];

describe('checking a run', () => {
  it('splits stats by phase: before faults, during faults, after the final heal', () => {
    const ops = history([
      { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'k', value: 1 },
      ...nemesis('kill'),
      { process: 1, type: 'invoke', f: 'read', key: 'k', value: null },
      { process: 1, type: 'info', f: 'read', key: 'k', value: null, error: 'DeadlineExceeded' },
      ...nemesis('heal-all'),
      { process: 11, type: 'invoke', f: 'read', key: 'k', value: null },
      { process: 11, type: 'ok', f: 'read', key: 'k', value: 1 },
      { process: 2, type: 'invoke', f: 'cas', key: 'k', value: [1, 2] },
    ]);
    const stats = historyStats(ops);
    expect(stats.byPhase['before-faults']).toEqual({ write: { ok: 1, fail: 0, info: 0 } });
    expect(stats.byPhase['during-faults']).toEqual({ read: { ok: 0, fail: 0, info: 1 } });
    expect(stats.byPhase['after-heal']).toEqual({ read: { ok: 1, fail: 0, info: 0 } });
    expect(stats.pending).toBe(1);
    expect(stats.faults.map((f) => f.f)).toEqual(['kill', 'heal-all']);
  });

  it('valid history: every checker valid; stale read: linearizability invalid and the run invalid', () => {
    const base: OpDraft[] = [
      { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { process: 0, type: 'ok', f: 'write', key: 'k', value: 1 },
      ...nemesis('heal-all'),
      { process: 1, type: 'invoke', f: 'read', key: 'k', value: null },
    ];
    const good = checkHistory(history([...base, { process: 1, type: 'ok', f: 'read', key: 'k', value: 1 }]), { model: 'cas-register', checkerBudgetMs: 10_000, unexpectedExits: [] });
    expect(good.valid).toBe(true);
    expect(Object.keys(good.checkers)).toEqual(['linearizability', 'stats', 'recovery', 'node-exits']);
    const stale = checkHistory(history([...base, { process: 1, type: 'ok', f: 'read', key: 'k', value: null }]), { model: 'cas-register', checkerBudgetMs: 10_000 });
    expect(stale.checkers['linearizability']!.valid).toBe(false);
    expect(stale.valid).toBe(false);
  });

  it('recovery is unknown without a final heal or when final ops fail; node exits make the run invalid', () => {
    const noHeal = checkHistory(history([{ process: 0, type: 'invoke', f: 'read', key: 'k', value: null }, { process: 0, type: 'ok', f: 'read', key: 'k', value: null }]), { model: 'cas-register', checkerBudgetMs: 1_000 });
    expect(noHeal.checkers['recovery']!.valid).toBe('unknown');
    expect(noHeal.valid).toBe('unknown');
    const failedFinal = checkHistory(history([...nemesis('heal-all'), { process: 0, type: 'invoke', f: 'read', key: 'k', value: null }, { process: 0, type: 'fail', f: 'read', key: 'k', value: null, error: 'NoLeader' }]), { model: 'cas-register', checkerBudgetMs: 1_000, unexpectedExits: [{ node: 'n1', code: 3 }] });
    expect(failedFinal.checkers['recovery']!.valid).toBe('unknown');
    expect(failedFinal.checkers['node-exits']!.valid).toBe(false);
    expect(failedFinal.valid).toBe(false);
  });

  it('combines verdicts and maps them to exit codes', () => {
    expect(combineValidity([true, 'unknown', false])).toBe(false);
    expect(combineValidity([true, 'unknown'])).toBe('unknown');
    expect(combineValidity([true, true])).toBe(true);
    expect([exitCodeOf(true), exitCodeOf(false), exitCodeOf('unknown')]).toEqual([0, 1, 2]);
  });
});
