/**
 * Synthesised run directories for the report's tests and benchmark: a seeded
 * register history over several keys with client processes, faults recorded
 * as the nemesis executor records them (planned, then done), rollout steps,
 * status samples of three nodes (optionally one halting), execution.json and
 * test.json, then results.json from real checkers (linearizability, stats,
 * faults, run, halt-apply). `invalid` plants a stale read on one key.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noExpectations } from '../../../checkers/artifacts/index.js';
import type { StatusSample } from '../../../checkers/artifacts/index.js';
import { checkHaltApply } from '../../../checkers/halt-apply/index.js';
import type { HistoryOp as CheckerOp } from '../../../checkers/history/index.js';
import {
  checkRun,
  faultsChecker,
  linearizabilityChecker,
  runChecker,
  statsChecker,
  writeResults,
} from '../../checking/index.js';
import type { Checker, ExecutionRecord, RunResults } from '../../checking/index.js';
import { Random, sleep } from '../../generator/index.js';
import type { HistoryOp, OpDraft } from '../../history/index.js';
import { runFiles } from '../../store/index.js';
import type { Workload } from '../../workload/index.js';

export interface SyntheticRunOptions {
  /** Client ops (invocations). */
  readonly ops: number;
  readonly seed?: number;
  /** Client processes, each with its own key (default 5). */
  readonly processes?: number;
  /** Plant a stale read: the run is not linearizable. */
  readonly invalid?: boolean;
  /** n3 halts (undeclared): halt-apply finds it. */
  readonly halt?: boolean;
  readonly name?: string;
  readonly scenario?: string;
}

const nodes = ['n1', 'n2', 'n3'];
const msNs = 1_000_000;

/** What a synthesised run holds, for assertions. */
export interface SyntheticRun {
  readonly dir: string;
  readonly results: RunResults;
  /** Faults that ran (each one band on the report). */
  readonly faults: number;
  readonly clientOps: number;
}

interface Builder {
  readonly ops: HistoryOp[];
  push(timeNs: number, draft: OpDraft): void;
}

function builder(): Builder {
  const ops: HistoryOp[] = [];
  return { ops, push: (timeNs, draft) => ops.push({ index: ops.length, time: Math.round(timeNs), ...draft }) };
}

/** Client ops: each process runs one op at a time, ~`gapMs` apart; a value written per key, reads return the latest. */
function clientHistory(
  options: SyntheticRunOptions,
  random: Random,
  durationNs: number,
): { events: { time: number; draft: OpDraft }[] } {
  const processes = options.processes ?? 5;
  const perProcess = Math.ceil(options.ops / processes);
  const slotNs = durationNs / perProcess;
  const events: { time: number; draft: OpDraft }[] = [];
  const writes = new Map<string, number>();
  let count = 0;
  for (let slot = 0; slot < perProcess; slot += 1) {
    for (let p = 0; p < processes && count < options.ops; p += 1) {
      count += 1;
      // Each process owns its key, so the register history of each key is sequential and so linearizable.
      const key = `k${p}`;
      const start = slot * slotNs + random.float() * slotNs * 0.1;
      const latency = slotNs * (0.05 + random.float() * 0.4);
      const node = nodes[random.int(nodes.length)] ?? 'n1';
      const isWrite = random.float() < 0.5;
      const roll = random.float();
      const outcome: 'ok' | 'fail' | 'info' = roll < 0.9 ? 'ok' : roll < 0.95 ? 'fail' : 'info';
      const value = isWrite ? count : (writes.get(key) ?? null);
      const f = isWrite ? 'write' : 'read';
      events.push({ time: start, draft: { process: p, type: 'invoke', f, key, value: isWrite ? value : null, node } });
      // An info read tells nothing; an info write may have happened, so later reads would be ambiguous: keep writes definite.
      const type = isWrite && outcome === 'info' ? 'fail' : outcome;
      if (isWrite && type === 'ok') writes.set(key, value as number);
      events.push({
        time: start + latency,
        draft: {
          process: p,
          type,
          f,
          key,
          value: type === 'ok' ? value : isWrite ? value : null,
          node,
          ...(type === 'ok' ? {} : { error: 'Unavailable' }),
        },
      });
    }
  }
  return { events };
}

function plantStaleRead(events: { time: number; draft: OpDraft }[], durationNs: number): void {
  const at = durationNs * 0.6;
  const p = 900;
  const lane = [
    { time: at, draft: { process: p, type: 'invoke', f: 'write', key: 'stale', value: 1, node: 'n1' } },
    { time: at + 5 * msNs, draft: { process: p, type: 'ok', f: 'write', key: 'stale', value: 1, node: 'n1' } },
    { time: at + 10 * msNs, draft: { process: p, type: 'invoke', f: 'write', key: 'stale', value: 2, node: 'n1' } },
    { time: at + 15 * msNs, draft: { process: p, type: 'ok', f: 'write', key: 'stale', value: 2, node: 'n1' } },
    {
      time: at + 20 * msNs,
      draft: { process: p + 1, type: 'invoke', f: 'read', key: 'stale', value: null, node: 'n3' },
    },
    { time: at + 25 * msNs, draft: { process: p + 1, type: 'ok', f: 'read', key: 'stale', value: 1, node: 'n3' } },
  ] as const;
  events.push(...lane.map((e) => ({ time: e.time, draft: e.draft })));
}

/** Faults as the executor records them: each action twice (the plan, then what was done). */
function faultEvents(durationNs: number): { time: number; draft: OpDraft }[] {
  const action = (
    time: number,
    f: string,
    planned: object,
    done: object | string,
  ): { time: number; draft: OpDraft }[] => [
    { time, draft: { process: 'nemesis', type: 'info', f, value: planned as never } },
    { time: time + msNs, draft: { process: 'nemesis', type: 'info', f, value: done as never } },
  ];
  return [
    ...action(
      durationNs * 0.1,
      'start-partition',
      { shape: 'halves', grudge: { n1: ['n2', 'n3'] }, fault: 'partition-halves' },
      { shape: 'halves', grudge: { n1: ['n2', 'n3'] } },
    ),
    ...action(durationNs * 0.25, 'stop-partition', {}, 'healed'),
    ...action(durationNs * 0.4, 'kill', { target: { leader: true }, fault: 'kill-leader' }, { nodes: ['n2'] }),
    ...action(durationNs * 0.5, 'restart', {}, { nodes: ['n2'] }),
    ...action(durationNs * 0.9, 'heal-all', {}, 'healed'),
  ];
}

function rolloutEvents(durationNs: number): { time: number; draft: OpDraft }[] {
  const step = (time: number, f: string, id: string, logIndex: number): { time: number; draft: OpDraft }[] => [
    { time, draft: { process: 'rollout', type: 'invoke', f, value: { step: id, attempt: 1 } } },
    {
      time: time + 20 * msNs,
      draft: {
        process: 'rollout',
        type: 'ok',
        f,
        value: { step: id, attempt: 1, appliedIndex: logIndex },
        node: 'n1',
        logIndex,
      },
    },
  ];
  return [
    ...step(durationNs * 0.05, 'bootstrap', 's1', 10),
    ...step(durationNs * 0.3, 'enable-storage-envelope', 's2', 40),
    ...step(durationNs * 0.55, 'enable-raft-envelope', 's3', 80),
  ];
}

function statusSamples(durationNs: number, halt: boolean): StatusSample[] {
  const samples: StatusSample[] = [];
  const periodNs = 250 * msNs;
  for (let time = 0, round = 0; time < durationNs; time += periodNs, round += 1) {
    for (const node of nodes) {
      const down = node === 'n2' && time > durationNs * 0.4 && time < durationNs * 0.5;
      const halted = halt && node === 'n3' && time > durationNs * 0.7;
      const applied = halted ? 99 : 5 + round * 2;
      samples.push({
        time,
        node,
        process: down ? 'down' : 'running',
        status: down
          ? null
          : {
              role: node === 'n1' ? 'leader' : 'follower',
              term: 2,
              leader: 'n1',
              commitIndex: applied,
              appliedIndex: applied,
              lastIndex: applied,
              snapshotIndex: 0,
              halted,
              haltCode: halted ? 1001 : 0,
              haltError: halted ? 'ErrFSMWireSubtag' : '',
              haltIndex: halted ? 100 : 0,
              haltReason: halted ? 'unknown wire subtag 0x7f' : '',
              stage: '6F',
              bugs: [],
              snapshotFormat: '',
              uptimeMs: time / msNs,
            },
        sidecar: null,
        ...(down ? { error: 'down' } : {}),
      });
    }
  }
  return samples;
}

const haltApplyChecker: Checker = {
  name: 'halt-apply',
  check(run) {
    const history = run.history().map((op) => ({ ...op, value: op.value ?? null })) as CheckerOp[];
    const result = checkHaltApply({ history, samples: run.statusSamples() ?? [], expectations: noExpectations });
    return { ...result };
  },
};

const syntheticWorkload: Workload = {
  name: 'register',
  description: 'synthetic',
  client: { fs: [], invoke: () => Promise.reject(new Error('not used')) },
  generator: () => sleep(0),
  final: () => sleep(0),
  checkers: () => [
    linearizabilityChecker({ model: 'cas-register', fs: ['read', 'write', 'cas'], budgetMs: () => 20_000 }),
    statsChecker,
    faultsChecker,
    runChecker,
    haltApplyChecker,
  ],
};

/** Writes a synthesised run into `dir` (created) and checks it (results.json). */
export async function writeSyntheticRun(dir: string, options: SyntheticRunOptions): Promise<SyntheticRun> {
  mkdirSync(join(dir, runFiles.nodes), { recursive: true });
  const random = new Random(options.seed ?? 1);
  const durationNs = Math.max(10_000, options.ops * 10) * msNs;
  const { events } = clientHistory(options, random, durationNs);
  if (options.invalid === true) plantStaleRead(events, durationNs);
  events.push(...faultEvents(durationNs), ...rolloutEvents(durationNs));
  events.sort((a, b) => a.time - b.time);
  const history = builder();
  for (const event of events) history.push(event.time, event.draft);
  writeFileSync(join(dir, runFiles.historyJsonl), history.ops.map((op) => `${JSON.stringify(op)}\n`).join(''));
  writeFileSync(
    join(dir, runFiles.statusJsonl),
    statusSamples(durationNs, options.halt === true)
      .map((s) => `${JSON.stringify(s)}\n`)
      .join(''),
  );
  for (const node of nodes) {
    mkdirSync(join(dir, runFiles.nodes, node), { recursive: true });
    writeFileSync(join(dir, runFiles.nodes, node, 'node.log'), `{"msg":"${node} started"}\n`);
  }
  const plan = {
    opsPlanned: options.ops,
    opsDispatched: options.ops,
    opsLate: Math.floor(options.ops / 10),
    maxLagMs: 2250,
    opsSkipped: 0,
    lateThresholdMs: 100,
    achievedOpsPerSecond: options.ops / (durationNs / 1e9),
    plannedOpsPerSecond: options.ops / (durationNs / 1e9),
    interrupted: false,
  };
  const execution: ExecutionRecord = {
    unexpectedExits: [],
    plan,
    rollout: null,
    crash: null,
    interrupted: false,
    collection: [],
    durationMs: durationNs / msNs,
  };
  writeFileSync(join(dir, runFiles.executionJson), JSON.stringify(execution));
  const config = {
    backend: 'fake',
    nodes,
    faults: ['partition-halves', 'kill-leader'],
    keys: options.processes ?? 5,
    checkerBudgetMs: 20_000,
  };
  const test = {
    name: options.name ?? 'synthetic',
    seed: options.seed ?? 1,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, options.seed ?? 1)).toISOString(),
    workload: 'register',
    scenario: options.scenario ?? 'synthetic',
    expectations: noExpectations,
    config,
    versions: { 'ekv-jepsen': '0.1.0', commandLine: 'ekv-jepsen test --backend fake', gitCommit: 'synthetic' },
  };
  writeFileSync(join(dir, runFiles.testJson), JSON.stringify(test, null, 2));
  const results = await checkRun(dir, syntheticWorkload);
  writeResults(join(dir, runFiles.resultsJson), results);
  return { dir, results, faults: 2, clientOps: options.ops + (options.invalid === true ? 3 : 0) };
}
