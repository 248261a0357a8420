import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SidecarView } from '../../checkers/artifacts/index.js';
import { FakeCluster } from '../cluster/fake/fake-cluster.js';
import type { NodeStatus, OperatorApi } from '../client/operator-api.js';
import type { HistoryOp, OpDraft } from '../history/op.js';
import { NemesisExecutor } from '../nemesis/index.js';
import type { RolloutContext } from './rollout-context.js';
import type { RolloutProgram, RolloutStep } from './rollout-program.js';
import { runRollout } from './rollout-runner.js';

class CallError extends Error {
  constructor(
    readonly errorName: string,
    readonly definite: boolean,
  ) {
    super(errorName);
  }
}

/** A scripted cluster state behind the operator API: n1 leads, DEKs appear as the rollout applies them. */
class FakeOperator implements OperatorApi {
  index = 10;
  /** Nodes that report halted (once `haltAfter` was called, when set). */
  halted = new Set<string>();
  haltAfter: string | null = null;
  /** Who leads (a transfer moves it). */
  leaderId = 'n1';

  private isHalted(id: string): boolean {
    return this.halted.has(id) && (this.haltAfter === null || this.calls.includes(this.haltAfter));
  }
  keyIds: number[] = [];
  active = { storage: 0, raft: 0 };
  storageActive = false;
  raftCutover = 0;
  calls: string[] = [];
  /** Scripted outcomes of the next calls of a method: an error, or 'apply-then-info' (it took effect, the answer was lost). */
  script = new Map<string, (CallError | 'apply-then-info')[]>();

  private status0(id: string): NodeStatus {
    return {
      id,
      fullNodeId: `${id.slice(1)}00`,
      role: id === this.leaderId ? 'leader' : 'follower',
      term: 2,
      leader: this.leaderId,
      leaderAddress: `fake:${this.leaderId}`,
      commitIndex: this.index,
      appliedIndex: this.index,
      lastIndex: this.index,
      snapshotIndex: 0,
      halted: this.isHalted(id),
      haltCode: 0,
      haltError: this.isHalted(id) ? 'ErrEnvelopeShort' : '',
      haltIndex: this.isHalted(id) ? 12 : 0,
      haltReason: '',
      stage: '6F',
      bugs: [],
      snapshotFormat: '',
      uptimeMs: 1,
      version: 't',
      members: ['n1', 'n2', 'n3'].map((m) => ({ id: m, suffrage: 'voter' as const, address: `fake:${m}` })),
    };
  }

  private async mutate<T>(method: string, apply: () => T): Promise<T> {
    this.calls.push(method);
    const next = this.script.get(method)?.shift();
    if (next instanceof CallError) throw next;
    const result = apply();
    if (next === 'apply-then-info') throw new CallError('DeadlineExceeded', false);
    return result;
  }

  status = async (address: string): Promise<NodeStatus> => this.status0(address.replace('fake:', ''));
  sidecar = async (): Promise<SidecarView> => ({
    appliedIndex: this.index,
    keyIds: [...this.keyIds],
    activeStorageId: this.active.storage,
    activeRaftId: this.active.raft,
    storageEnvelopeActive: this.storageActive,
    storageEnvelopeCutoverIndex: 0,
    raftEnvelopeCutoverIndex: this.raftCutover,
    sidecarVersion: 2,
    localEpochs: Object.fromEntries(this.keyIds.map((id) => [String(id), 1])),
  });
  capability = async (address: string) => ({ capable: true, fullNodeId: `${address.slice(6)}00`, localEpoch: 0 });
  registryRows = async () => Object.fromEntries(this.keyIds.map((id) => [String(id), 1]));
  bootstrap = (_a: string, request: { storageDekId: number; raftDekId: number }) =>
    this.mutate('bootstrap', () => {
      this.keyIds = [request.storageDekId, request.raftDekId];
      this.active = { storage: request.storageDekId, raft: request.raftDekId };
      return { appliedIndex: ++this.index };
    });
  enable = (_a: string, purpose: 'storage' | 'raft') =>
    this.mutate(`enable-${purpose}`, () => {
      if (purpose === 'raft') {
        const was = this.raftCutover !== 0;
        if (!was) this.raftCutover = ++this.index;
        return { appliedIndex: this.raftCutover, wasAlreadyActive: was };
      }
      const was = this.storageActive;
      this.storageActive = true;
      return { appliedIndex: was ? 11 : ++this.index, wasAlreadyActive: was };
    });
  rotateDek = (_a: string, request: { purpose: 'storage' | 'raft'; newDekId: number }) =>
    this.mutate('rotate', () => {
      this.keyIds.push(request.newDekId);
      this.active = { ...this.active, [request.purpose]: request.newDekId };
      this.calls.push(`rotate-id-${request.newDekId}`);
      return { appliedIndex: ++this.index };
    });
  registerWriter = () => this.mutate('register', () => ({ appliedIndex: ++this.index }));
  addLearner = () => this.mutate('add-learner', () => ({ appliedIndex: ++this.index }));
  promote = () => this.mutate('promote', () => ({ appliedIndex: ++this.index }));
  remove = () => this.mutate('remove', () => ({ appliedIndex: ++this.index }));
  transferLeadership = async (_a: string, target: string) => {
    this.calls.push(`transfer-${target}`);
    this.leaderId = target;
    return { leader: target, term: 3 };
  };
  classify = (error: unknown) =>
    error instanceof CallError
      ? { definite: error.definite, name: error.errorName, message: error.message }
      : { definite: false, name: 'UnknownFailure', message: String(error) };
  close = (): void => undefined;
}

function step(id: string, action: RolloutStep['action'], overrides: Partial<RolloutStep> = {}): RolloutStep {
  return {
    id,
    action,
    pauseBeforeMs: 0,
    retry: { attemptsMax: 4, backoffMs: 1 },
    holdFaults: [],
    triggers: [],
    ...overrides,
  };
}

async function run(program: RolloutProgram, api = new FakeOperator(), overrides: Partial<RolloutContext> = {}) {
  const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
  const ops: HistoryOp[] = [];
  const record = (draft: OpDraft): HistoryOp => {
    const op = { ...draft, index: ops.length, time: ops.length };
    ops.push(op);
    return op;
  };
  const nemesis = new NemesisExecutor({ cluster, findLeader: async () => 'n1', record });
  const context: RolloutContext = {
    api,
    cluster,
    nemesis,
    stageFlags: (_n, stage) => ['--stage', stage],
    rpcTimeoutMs: 50,
    conditionPollMs: 1,
    signal: new AbortController().signal,
    triggerSignal: new AbortController().signal,
    nowMs: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stepIndexes: new Map(),
    retired: new Set(),
    ...overrides,
  };
  const report = await runRollout({ program, context, record });
  // Let aimed faults that are due run.
  await new Promise((resolve) => setTimeout(resolve, 30));
  await nemesis.exclusive(async () => undefined);
  nemesis.dispose();
  return { report, ops, api, cluster };
}

const rolloutOps = (ops: readonly HistoryOp[]) =>
  ops
    .filter((op) => op.process === 'rollout')
    .map((op) => `${op.type} ${op.f}${op.error === undefined ? '' : ` ${op.error}`}`);

describe('the rollout process', () => {
  it('runs the steps in order, each invoke followed by its completion with the applied index', async () => {
    const { report, ops } = await run({
      steps: [
        step('s1', { f: 'bootstrap' }),
        step('s2', { f: 'enable-storage-envelope' }),
        step('s3', { f: 'enable-raft-envelope' }),
      ],
    });
    expect(report).toEqual({ stepsCompleted: 3, stepsPlanned: 3, stoppedAt: null, interrupted: false });
    expect(rolloutOps(ops)).toEqual([
      'invoke bootstrap',
      'ok bootstrap',
      'invoke enable-storage-envelope',
      'ok enable-storage-envelope',
      'invoke enable-raft-envelope',
      'ok enable-raft-envelope',
    ]);
    const raft = ops.find((op) => op.type === 'ok' && op.f === 'enable-raft-envelope');
    expect(raft).toMatchObject({
      node: 'n1',
      logIndex: 13,
      value: { step: 's3', attempt: 1, appliedIndex: 13, wasAlreadyActive: false },
    });
    expect(ops.find((op) => op.type === 'ok' && op.f === 'bootstrap')?.value).toMatchObject({
      storageDekId: 1,
      raftDekId: 2,
      writers: 3,
    });
  });

  it('retries a retryable refusal after a backoff, and stops the program at a refusal that is not', async () => {
    const api = new FakeOperator();
    api.script.set('bootstrap', [new CallError('NotLeader', true)]);
    api.script.set('enable-storage', [new CallError('InvalidArgument', true)]);
    const { report, ops } = await run(
      {
        steps: [
          step('s1', { f: 'bootstrap' }),
          step('s2', { f: 'enable-storage-envelope' }),
          step('s3', { f: 'enable-raft-envelope' }),
        ],
      },
      api,
    );
    expect(rolloutOps(ops)).toEqual([
      'invoke bootstrap',
      'fail bootstrap NotLeader',
      'invoke bootstrap',
      'ok bootstrap',
      'invoke enable-storage-envelope',
      'fail enable-storage-envelope InvalidArgument',
    ]);
    expect(report.stoppedAt).toMatchObject({ step: 's2', error: expect.stringMatching(/^InvalidArgument/) });
    expect(report.stepsCompleted).toBe(1);
  });

  it('a request the node must refuse: the required refusal completes the step, another refusal is retried, an ok is recorded as such', async () => {
    const mustBeRefused = { errors: ['InvalidArgument'], invariant: 'I2', why: 'epochs are 16 bits' };
    const crafted = { f: 'register-writer' as const, node: 'n2', localEpoch: 70_000 };
    const api = new FakeOperator();
    api.script.set('register', [new CallError('NotLeader', true), new CallError('InvalidArgument', true)]);
    const refused = await run(
      {
        steps: [
          step('s1', { f: 'bootstrap' }),
          step('s2', crafted, { mustBeRefused }),
          step('s3', { f: 'enable-storage-envelope' }),
        ],
      },
      api,
    );
    expect(rolloutOps(refused.ops)).toEqual([
      'invoke bootstrap',
      'ok bootstrap',
      'invoke register-writer',
      'fail register-writer NotLeader',
      'invoke register-writer',
      'fail register-writer InvalidArgument',
      'invoke enable-storage-envelope',
      'ok enable-storage-envelope',
    ]);
    expect(refused.report).toMatchObject({ stepsCompleted: 3, stoppedAt: null });
    const invoke = refused.ops.find((op) => op.type === 'invoke' && op.f === 'register-writer');
    expect(invoke?.value).toMatchObject({ step: 's2', node: 'n2', localEpoch: 70_000, mustBeRefused });
    // Accepted: the ok carries the epoch sent, for the checker that reports it.
    const accepted = await run({ steps: [step('s1', { f: 'bootstrap' }), step('s2', crafted, { mustBeRefused })] });
    expect(rolloutOps(accepted.ops)).toEqual([
      'invoke bootstrap',
      'ok bootstrap',
      'invoke register-writer',
      'ok register-writer',
    ]);
    expect(accepted.ops.at(-1)?.value).toMatchObject({ writer: 'n2', localEpoch: 70_000 });
  });

  it('requests sent alongside a step run concurrently as steps of their own; the next step waits for all of them', async () => {
    const alongside = [
      { action: { f: 'enable-storage-envelope' as const }, delayMs: 0 },
      { action: { f: 'rotate-dek' as const, purpose: 'storage' as const }, delayMs: 5 },
    ];
    const { report, ops } = await run({
      steps: [
        step('s1', { f: 'bootstrap' }),
        step('s2', { f: 'enable-storage-envelope' }, { alongside }),
        step('s3', { f: 'enable-raft-envelope' }),
      ],
    });
    expect(report).toMatchObject({ stepsCompleted: 3, stoppedAt: null });
    const rollout = ops.filter((op) => op.process === 'rollout');
    const stepOf = (op: HistoryOp) => (op.value as { step: string }).step;
    // Both Enables were invoked before either answered.
    expect(rollout.slice(2, 4).map((op) => [op.type, stepOf(op)])).toEqual([
      ['invoke', 's2'],
      ['invoke', 's2+1'],
    ]);
    expect(
      rollout
        .filter((op) => op.type === 'ok')
        .map(stepOf)
        .sort(),
    ).toEqual(['s1', 's2', 's2+1', 's2+2', 's3']);
    const lastCompanion = Math.max(
      ...rollout.filter((op) => op.type === 'ok' && stepOf(op).startsWith('s2')).map((op) => op.index),
    );
    expect(rollout.find((op) => op.type === 'invoke' && stepOf(op) === 's3')!.index).toBeGreaterThan(lastCompanion);
    // A companion refused for good ends the program and is named.
    const api = new FakeOperator();
    api.script.set('rotate', [new CallError('InvalidArgument', true)]);
    const stopped = await run(
      {
        steps: [
          step('s1', { f: 'bootstrap' }),
          step('s2', { f: 'enable-storage-envelope' }, { alongside: alongside.slice(1) }),
          step('s3', { f: 'enable-raft-envelope' }),
        ],
      },
      api,
    );
    expect(stopped.report.stoppedAt).toMatchObject({
      step: 's2',
      error: expect.stringMatching(/^s2\+1 \(rotate-dek storage, alongside\): InvalidArgument/),
    });
  });

  it('a sidecar backup restored on a stopped node: the node is stopped, the backup put in place, the replaced sidecar kept, the node started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollout-sidecar-'));
    try {
      const sidecar = join(dir, 'keys.json');
      writeFileSync(sidecar, 'epoch 1');
      const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
      const calls: string[] = [];
      const spied = Object.assign(Object.create(cluster) as FakeCluster, {
        stopNode: async (id: string) => {
          calls.push(`stop ${id} (${readFileSync(sidecar, 'utf8')})`);
        },
        start: async (id: string) => {
          calls.push(`start ${id} (${readFileSync(sidecar, 'utf8')})`);
        },
      });
      const save = step('s1', { f: 'save-sidecar', node: 'n2', backup: 'b1' });
      const restore = step('s2', { f: 'restore-sidecar', node: 'n2', backup: 'b1' });
      const later = (): void => writeFileSync(sidecar, 'epoch 2');
      const { report, ops } = await run({ steps: [save] }, new FakeOperator(), { sidecarPathOf: () => sidecar });
      expect(report.stoppedAt).toBeNull();
      expect(ops.at(-1)?.value).toMatchObject({ node: 'n2', backup: 'b1' });
      later();
      const restored = await run({ steps: [restore] }, new FakeOperator(), {
        sidecarPathOf: () => sidecar,
        cluster: spied,
      });
      expect(restored.report.stoppedAt).toBeNull();
      expect(calls).toEqual(['stop n2 (epoch 2)', 'start n2 (epoch 1)']);
      expect(readFileSync(`${sidecar}.backup-replaced-by-b1`, 'utf8')).toBe('epoch 2');
      // No backup of that name, or no sidecar in the run: a definite refusal naming what is missing.
      const missing = await run(
        { steps: [step('s3', { f: 'restore-sidecar', node: 'n2', backup: 'nope' })] },
        new FakeOperator(),
        { sidecarPathOf: () => sidecar },
      );
      expect(missing.report.stoppedAt?.error).toMatch(/^NoSuchBackup: n2 has no sidecar backup "nope"/);
      const plain = await run({ steps: [save] });
      expect(plain.report.stoppedAt?.error).toMatch(/^NoSidecar/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a partial sidecar rollback lowers only the active DEK of one purpose on a stopped node, keeps the unedited copy and mode, and refuses what it cannot edit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollout-epoch-'));
    try {
      const sidecar = join(dir, 'keys.json');
      const document = {
        version: 2,
        raft_applied_index: 40,
        storage_envelope_active: true,
        storage_envelope_cutover_index: 12,
        raft_envelope_cutover_index: 30,
        active: { storage: 1, raft: 3 },
        keys: {
          '1': { purpose: 'storage', wrapped: 'AA==', created: 'x', local_epoch: 4 },
          '2': { purpose: 'raft', wrapped: 'AA==', created: 'x', local_epoch: 9 },
          '3': { purpose: 'raft', wrapped: 'AA==', created: 'x', local_epoch: 2 },
        },
      };
      const original = JSON.stringify(document, null, 2);
      writeFileSync(sidecar, original, { mode: 0o600 });
      const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
      const calls: string[] = [];
      const epochsNow = (): string => {
        const text = readFileSync(sidecar, 'utf8');
        if (!text.startsWith('{')) return text;
        const keys = (JSON.parse(text) as typeof document).keys;
        return `${keys['1'].local_epoch}/${keys['2'].local_epoch}/${keys['3'].local_epoch}`;
      };
      const spied = Object.assign(Object.create(cluster) as FakeCluster, {
        stopNode: async (id: string) => {
          calls.push(`stop ${id} ${epochsNow()}`);
        },
        start: async (id: string) => {
          calls.push(`start ${id} ${epochsNow()}`);
        },
      });
      const { report, ops } = await run(
        { steps: [step('s1', { f: 'roll-back-sidecar-epoch', node: 'n2', purpose: 'raft', by: 1 })] },
        new FakeOperator(),
        { sidecarPathOf: () => sidecar, cluster: spied },
      );
      expect(report.stoppedAt).toBeNull();
      // The active raft DEK (3) went back by one; the retired raft DEK (2) and the storage DEK kept theirs.
      expect(calls).toEqual(['stop n2 4/9/2', 'start n2 4/9/1']);
      expect(ops.at(-1)?.value).toMatchObject({
        node: 'n2',
        purpose: 'raft',
        dekId: 3,
        from: 2,
        to: 1,
        replaced: 'before-raft-epoch-rollback',
      });
      expect(readFileSync(`${sidecar}.backup-before-raft-epoch-rollback`, 'utf8')).toBe(original);
      expect(statSync(sidecar).mode & 0o777).toBe(0o600);
      // Below zero, or not a sidecar: refused by name, and the node is started again on its own sidecar.
      calls.length = 0;
      const tooFar = await run(
        { steps: [step('s2', { f: 'roll-back-sidecar-epoch', node: 'n2', purpose: 'raft', by: 2 })] },
        new FakeOperator(),
        { sidecarPathOf: () => sidecar, cluster: spied },
      );
      expect(tooFar.report.stoppedAt?.error).toMatch(
        /^InvalidArgument: n2's raft DEK 3 is at local epoch 1: it cannot go back by 2/,
      );
      expect(calls).toEqual(['stop n2 4/9/1', 'start n2 4/9/1']);
      writeFileSync(sidecar, JSON.stringify({ ...document, active: { storage: 1, raft: 7 } }));
      const missingKey = await run(
        { steps: [step('s3', { f: 'roll-back-sidecar-epoch', node: 'n2', purpose: 'raft', by: 1 })] },
        new FakeOperator(),
        { sidecarPathOf: () => sidecar, cluster: spied },
      );
      expect(missingKey.report.stoppedAt?.error).toMatch(
        /^InvalidSidecar: .*keys\.json: active raft DEK 7 is not in keys/,
      );
      writeFileSync(sidecar, 'epoch 1');
      const notJson = await run(
        { steps: [step('s4', { f: 'roll-back-sidecar-epoch', node: 'n2', purpose: 'storage', by: 1 })] },
        new FakeOperator(),
        { sidecarPathOf: () => sidecar, cluster: spied },
      );
      expect(notJson.report.stoppedAt?.error).toMatch(/^InvalidSidecar: .*keys\.json: not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a restart without a flag leaves it out of that start only', async () => {
    const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
    cluster.setFlags('n3', ['--stage', '6F', '--encryption-enabled', '--sidecar-path', 'x']);
    const starts: (readonly string[] | undefined)[] = [];
    const original = cluster.start.bind(cluster);
    cluster.start = async (id: string, flags?: readonly string[]) => {
      starts.push(flags);
      return original(id, flags);
    };
    const { report } = await run(
      {
        steps: [
          step('s1', {
            f: 'restart',
            nodes: [{ id: 'n3' }],
            mode: 'stop',
            rolling: false,
            withoutFlags: ['--encryption-enabled'],
          }),
        ],
      },
      new FakeOperator(),
      { cluster },
    );
    expect(report.stoppedAt).toBeNull();
    expect(starts).toEqual([['--stage', '6F', '--sidecar-path', 'x']]);
    expect(cluster.flagsOf('n3')).toEqual(['--stage', '6F', '--encryption-enabled', '--sidecar-path', 'x']);
  });

  it('a restart with a kill point arms it for that start only and tells the cluster the process will exit by itself', async () => {
    const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
    cluster.setFlags('n2', ['--stage', '6F']);
    const starts: (readonly string[] | undefined)[] = [];
    const original = cluster.start.bind(cluster);
    cluster.start = async (id: string, flags?: readonly string[]) => {
      starts.push(flags);
      return original(id, flags);
    };
    const expected: string[] = [];
    const armed = Object.assign(cluster, {
      expectExit: (id: string) => {
        expected.push(`${id}:${String(cluster.node(id).running)}`);
      },
    });
    const { report, ops } = await run(
      {
        steps: [
          step('s1', {
            f: 'restart',
            nodes: [{ id: 'n2' }],
            mode: 'stop',
            rolling: false,
            killPoint: 'after-storage-cutover-flip',
          }),
          step('s2', { f: 'restart', nodes: [{ id: 'n2' }], mode: 'stop', rolling: false }),
        ],
      },
      new FakeOperator(),
      { cluster: armed },
    );
    expect(report.stoppedAt).toBeNull();
    // Told once, after the armed process is up; the next start runs the node's own flags and is not.
    expect(expected).toEqual(['n2:true']);
    expect(starts).toEqual([
      ['--stage', '6F', '--test-hooks', '--test-kill-point', 'after-storage-cutover-flip'],
      undefined,
    ]);
    expect(ops.find((op) => op.type === 'ok' && op.f === 'restart')?.value).toMatchObject({
      step: 's1',
      nodes: ['n2'],
      killPoint: 'after-storage-cutover-flip',
    });
  });

  it('a bootstrap that leaves members out sends a writer batch without them, and refuses a name that is not a member', async () => {
    const api = new FakeOperator();
    const writers: unknown[] = [];
    const original = api.bootstrap;
    api.bootstrap = (
      address: string,
      request: { storageDekId: number; raftDekId: number; writers?: readonly unknown[] },
    ) => {
      writers.push(request.writers);
      return original(address, request);
    };
    const { report, ops } = await run({ steps: [step('s1', { f: 'bootstrap', leaveOut: ['n2'] })] }, api);
    expect(report.stoppedAt).toBeNull();
    expect(writers).toEqual([
      [
        { fullNodeId: '100', localEpoch: 0 },
        { fullNodeId: '300', localEpoch: 0 },
      ],
    ]);
    expect(ops.find((op) => op.type === 'ok' && op.f === 'bootstrap')?.value).toMatchObject({
      writers: 2,
      leftOut: ['n2'],
    });
    const typo = await run({ steps: [step('s1', { f: 'bootstrap', leaveOut: ['n9'] })] });
    expect(typo.report.stoppedAt?.error).toMatch(
      /^UnknownMember: bootstrap leaveOut names n9, not a member \(members: n1, n2, n3\)/,
    );
  });

  it('a mixed cluster: a leader whose stage lacks the RPC hands leadership to another voter, and the step goes again there', async () => {
    const api = new FakeOperator();
    api.script.set('enable-storage', [new CallError('NotImplementedAtStage', true)]);
    const { report, ops } = await run({ steps: [step('s1', { f: 'enable-storage-envelope' })] }, api);
    expect(report).toMatchObject({ stepsCompleted: 1, stoppedAt: null });
    expect(rolloutOps(ops)).toEqual([
      'invoke enable-storage-envelope',
      'fail enable-storage-envelope NotImplementedAtStage',
      'invoke transfer-leadership',
      'ok transfer-leadership',
      'invoke enable-storage-envelope',
      'ok enable-storage-envelope',
    ]);
    expect(api.calls).toContain('transfer-n2');
    expect(ops.find((op) => op.f === 'transfer-leadership' && op.type === 'ok')?.value).toMatchObject({
      step: 's1.stage1',
      leader: 'n2',
    });
    expect(ops.find((op) => op.f === 'enable-storage-envelope' && op.type === 'ok')?.node).toBe('n2');
  });

  it('a mixed cluster where every voter refuses at its stage ends the program, naming the refusal', async () => {
    const api = new FakeOperator();
    api.script.set(
      'enable-storage',
      ['n1', 'n2', 'n3'].map(() => new CallError('NotImplementedAtStage', true)),
    );
    const { report } = await run(
      { steps: [step('s1', { f: 'enable-storage-envelope' }, { retry: { attemptsMax: 10, backoffMs: 1 } })] },
      api,
    );
    expect(api.calls.filter((c) => c.startsWith('transfer-'))).toEqual(['transfer-n2', 'transfer-n3']);
    expect(report.stoppedAt).toMatchObject({
      step: 's1',
      error: expect.stringMatching(/^NotImplementedAtStage.*every one refused at its stage/),
    });
  });

  it('after an ambiguous bootstrap, confirms it from the sidecar instead of bootstrapping twice (H3)', async () => {
    const api = new FakeOperator();
    api.script.set('bootstrap', ['apply-then-info']);
    const { ops } = await run({ steps: [step('s1', { f: 'bootstrap' })] }, api);
    expect(rolloutOps(ops)).toEqual([
      'invoke bootstrap',
      'info bootstrap DeadlineExceeded',
      'invoke bootstrap',
      'ok bootstrap',
    ]);
    expect(api.calls.filter((c) => c === 'bootstrap')).toHaveLength(1);
    expect(ops.at(-1)?.value).toMatchObject({ confirmedBy: 'sidecar', attempt: 2 });
  });

  it('never re-uses the DEK id of an ambiguous rotation that did not show up (E22): the retry takes a higher one', async () => {
    const api = new FakeOperator();
    api.script.set('rotate', [new CallError('DeadlineExceeded', false)]);
    const { ops } = await run(
      { steps: [step('s1', { f: 'bootstrap' }), step('s2', { f: 'rotate-dek', purpose: 'raft' })] },
      api,
    );
    expect(rolloutOps(ops).slice(2)).toEqual([
      'invoke rotate-dek',
      'info rotate-dek DeadlineExceeded',
      'invoke rotate-dek',
      'ok rotate-dek',
    ]);
    expect(api.calls.filter((c) => c.startsWith('rotate-id-'))).toEqual(['rotate-id-4']);
    expect(ops.at(-1)?.value).toMatchObject({ purpose: 'raft', newDekId: 4 });
  });

  it('a retried Enable answers was_already_active with the original index', async () => {
    const { ops } = await run({
      steps: [
        step('s1', { f: 'bootstrap' }),
        step('s2', { f: 'enable-raft-envelope' }),
        step('s3', { f: 'enable-raft-envelope' }),
      ],
    });
    const oks = ops.filter((op) => op.type === 'ok' && op.f === 'enable-raft-envelope').map((op) => op.value);
    expect(oks).toEqual([
      expect.objectContaining({ appliedIndex: 12, wasAlreadyActive: false }),
      expect.objectContaining({ appliedIndex: 12, wasAlreadyActive: true }),
    ]);
  });

  it('stops retrying once a majority of the members report halted (no retry can succeed), but not for a minority', async () => {
    const api = new FakeOperator();
    api.halted = new Set(['n1', 'n2']);
    api.haltAfter = 'enable-raft';
    api.script.set('enable-raft', [
      new CallError('NotLeader', true),
      new CallError('NotLeader', true),
      new CallError('NotLeader', true),
    ]);
    const { report, ops } = await run(
      { steps: [step('s1', { f: 'bootstrap' }), step('s2', { f: 'enable-raft-envelope' })] },
      api,
    );
    expect(api.calls.filter((c) => c === 'enable-raft')).toHaveLength(1);
    expect(report.stoppedAt?.error).toMatch(
      /^the cluster halted \(n1: ErrEnvelopeShort at 12, n2: ErrEnvelopeShort at 12\): no retry can succeed/,
    );
    expect(ops.filter((o) => o.f === 'enable-raft-envelope').map((o) => o.type)).toEqual(['invoke', 'fail']);
    const minority = new FakeOperator();
    minority.halted = new Set(['n3']);
    minority.haltAfter = 'enable-raft';
    minority.script.set('enable-raft', [new CallError('NotLeader', true)]);
    expect(
      (await run({ steps: [step('s1', { f: 'bootstrap' }), step('s2', { f: 'enable-raft-envelope' })] }, minority))
        .report.stoppedAt,
    ).toBeNull();
  });

  it('an await that never holds fails with what is missing and ends the program', async () => {
    const { report, ops } = await run({
      steps: [
        step(
          's1',
          { f: 'await', condition: { kind: 'member', node: 'n9', suffrage: 'voter' }, boundMs: 20 },
          { retry: { attemptsMax: 1, backoffMs: 0 } },
        ),
        step('s2', { f: 'bootstrap' }),
      ],
    });
    expect(rolloutOps(ops)).toEqual(['invoke await', 'fail await ConditionTimeout']);
    expect(report.stoppedAt?.error).toMatch(/ConditionTimeout: not within 20 ms: n9 is not a member/);
  });

  it('an await ends as soon as a majority reports halted, long before its bound (nothing can commit any more)', async () => {
    const api = new FakeOperator();
    api.halted = new Set(['n1', 'n2']);
    const { report, ops } = await run(
      {
        steps: [
          step('s1', { f: 'await', condition: { kind: 'member', node: 'n9', suffrage: 'voter' }, boundMs: 60_000 }),
        ],
      },
      api,
    );
    expect(rolloutOps(ops)).toEqual(['invoke await', 'fail await ClusterHalted']);
    expect(report.stoppedAt?.error).toMatch(
      /^ClusterHalted: a majority halted \(n1: ErrEnvelopeShort at 12, n2: ErrEnvelopeShort at 12\) while waiting: /,
    );
    // A halted minority is waited out to the bound.
    const minority = new FakeOperator();
    minority.halted = new Set(['n3']);
    const bounded = await run(
      {
        steps: [
          step(
            's1',
            { f: 'await', condition: { kind: 'member', node: 'n9', suffrage: 'voter' }, boundMs: 30 },
            { retry: { attemptsMax: 1, backoffMs: 0 } },
          ),
        ],
      },
      minority,
    );
    expect(bounded.report.stoppedAt?.error).toMatch(/ConditionTimeout: not within 30 ms: n9 is not a member/);
  });

  it('an await rides out failing status calls (a node just killed) until the condition holds', async () => {
    const api = new FakeOperator();
    let failures = 3;
    const flaky = Object.assign(Object.create(api) as FakeOperator, {
      sidecar: async () => {
        if (failures-- > 0) throw new CallError('ConnectionLost', false);
        return api.sidecar();
      },
    });
    const { report, ops } = await run(
      {
        steps: [
          step(
            's1',
            { f: 'await', condition: { kind: 'all-registered' }, boundMs: 2_000 },
            { retry: { attemptsMax: 1, backoffMs: 0 } },
          ),
        ],
      },
      flaky,
    );
    expect(report.stoppedAt).toBeNull();
    expect(rolloutOps(ops)).toEqual(['invoke await', 'ok await']);
  });

  it('all-registered does not hold while a member has not applied the active DEK yet (no epoch and no row are not a match)', async () => {
    /** An operator on which n2's sidecar lacks DEK 3 (and the registry has no n2 row for it) for its first `readings` sidecar readings. */
    const lagging = (readings: number) => {
      const api = new FakeOperator();
      api.keyIds = [1, 2, 3];
      api.active = { storage: 3, raft: 2 };
      api.storageActive = true;
      let left = readings;
      return Object.assign(Object.create(api) as FakeOperator, {
        sidecar: async (address: string) => {
          const view = await api.sidecar();
          if (address !== 'fake:n2' || left-- <= 0) return view;
          const { '3': _lacking, ...localEpochs } = view.localEpochs;
          return { ...view, keyIds: [1, 2], localEpochs };
        },
        registryRows: async (_address: string, fullNodeId: string) =>
          fullNodeId === '200' && left > 0 ? { '1': 1, '2': 1 } : api.registryRows(),
      });
    };
    const never = await run(
      {
        steps: [
          step(
            's1',
            { f: 'await', condition: { kind: 'all-registered' }, boundMs: 20 },
            { retry: { attemptsMax: 1, backoffMs: 0 } },
          ),
        ],
      },
      lagging(Infinity),
    );
    expect(never.report.stoppedAt?.error).toMatch(/ConditionTimeout: not within 20 ms: n2 has not applied DEK 3 yet/);
    const later = await run(
      {
        steps: [
          step(
            's1',
            { f: 'await', condition: { kind: 'all-registered' }, boundMs: 2_000 },
            { retry: { attemptsMax: 1, backoffMs: 0 } },
          ),
        ],
      },
      lagging(5),
    );
    expect(later.report.stoppedAt).toBeNull();
  });

  it('fires a fault aimed at the step: kill the node that ran the RPC right after its ok, then restart it', async () => {
    const trigger = {
      on: 'ok' as const,
      delayMs: 0,
      start: { f: 'kill' as const, target: { stepNode: true as const } },
      stop: { f: 'restart' as const },
      holdMs: 1,
    };
    const { ops, cluster } = await run({ steps: [step('s1', { f: 'bootstrap' }, { triggers: [trigger] })] });
    const nemesisOps = ops.filter((op) => op.process === 'nemesis');
    expect(nemesisOps.map((op) => op.f)).toEqual(['kill', 'kill', 'restart', 'restart']);
    expect(nemesisOps[0]?.value).toMatchObject({ target: { nodes: ['n1'] }, source: 'trigger' });
    expect(nemesisOps[1]?.value).toEqual({ nodes: ['n1'] });
    expect(ops.findIndex((op) => op.process === 'nemesis')).toBeGreaterThan(
      ops.findIndex((op) => op.type === 'ok' && op.f === 'bootstrap'),
    );
    expect(cluster.node('n1').running).toBe(true);
  });

  it('holds scheduled kills off from before a step until the await after it ends; faults aimed at steps still run', async () => {
    const api = new FakeOperator();
    const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
    const ops: HistoryOp[] = [];
    const record = (draft: OpDraft): HistoryOp => {
      const op = { ...draft, index: ops.length, time: ops.length };
      ops.push(op);
      return op;
    };
    const nemesis = new NemesisExecutor({ cluster, findLeader: async () => 'n1', record });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const context: RolloutContext = {
      api,
      cluster,
      nemesis,
      stageFlags: () => [],
      rpcTimeoutMs: 50,
      conditionPollMs: 1,
      signal: new AbortController().signal,
      triggerSignal: new AbortController().signal,
      nowMs: () => performance.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      stepIndexes: new Map(),
      retired: new Set(),
    };
    // The await step blocks until the test lets it go; meanwhile a scheduled kill arrives.
    const slowApi = Object.assign(Object.create(api) as FakeOperator, {
      status: async (address: string) => {
        await gate;
        return api.status(address);
      },
    });
    const program = {
      steps: [
        step('s1', { f: 'rotate-dek', purpose: 'storage' }, { holdFaults: ['kill'] }),
        step('s2', { f: 'await', condition: { kind: 'leader' }, boundMs: 5_000 }),
      ],
    };
    const running = runRollout({ program, context: { ...context, api: slowApi }, record });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The scheduled kill is deferred: the call returns at once (the schedule behind it keeps its times).
    await nemesis.run({ f: 'kill', target: { nodes: ['n2'] } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cluster.node('n2').running).toBe(true);
    release();
    await running;
    await nemesis.exclusive(async () => undefined);
    expect(cluster.node('n2').running).toBe(false);
    const killInvoke = ops.find((op) => op.process === 'nemesis' && op.f === 'kill');
    expect(killInvoke?.value).toMatchObject({ deferredMs: expect.any(Number) });
    nemesis.dispose();
  });

  it('a hold ends with its step (and the await after it): a scheduled kill in the pause before the next holding step runs', async () => {
    const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
    const ops: HistoryOp[] = [];
    const record = (draft: OpDraft): HistoryOp => {
      const op = { ...draft, index: ops.length, time: ops.length };
      ops.push(op);
      return op;
    };
    const nemesis = new NemesisExecutor({ cluster, findLeader: async () => 'n1', record });
    // The pause before s3 lasts until the test ends it, so the kill lands in it whatever the machine's speed.
    let endPause = (): void => undefined;
    let pausing = (): void => undefined;
    const inPause = new Promise<void>((resolve) => {
      pausing = resolve;
    });
    const context: RolloutContext = {
      api: new FakeOperator(),
      cluster,
      nemesis,
      stageFlags: () => [],
      rpcTimeoutMs: 50,
      conditionPollMs: 1,
      signal: new AbortController().signal,
      triggerSignal: new AbortController().signal,
      nowMs: () => performance.now(),
      sleep: (ms) =>
        ms === 150
          ? new Promise<void>((resolve) => {
              endPause = resolve;
              pausing();
            })
          : new Promise((resolve) => setTimeout(resolve, ms)),
      stepIndexes: new Map(),
      retired: new Set(),
    };
    const program = {
      steps: [
        step('s1', { f: 'rotate-dek', purpose: 'storage' }, { holdFaults: ['kill'] }),
        step('s2', { f: 'await', condition: { kind: 'leader' }, boundMs: 1_000 }),
        step('s3', { f: 'rotate-dek', purpose: 'raft' }, { holdFaults: ['kill'], pauseBeforeMs: 150 }),
      ],
    };
    const running = runRollout({ program, context, record });
    await inPause;
    await nemesis.run({ f: 'kill', target: { nodes: ['n2'] } });
    expect(cluster.node('n2').running).toBe(false);
    expect(
      ops.some(
        (op) =>
          op.process === 'nemesis' &&
          op.f === 'kill' &&
          typeof op.value === 'object' &&
          op.value !== null &&
          'skipped' in op.value,
      ),
    ).toBe(false);
    await nemesis.run({ f: 'restart' });
    endPause();
    const report = await running;
    expect(report.stepsCompleted).toBe(3);
    await nemesis.exclusive(async () => undefined);
    nemesis.dispose();
  });

  it('a deferred scheduled start whose end came while it waited runs after the hold, its end after the planned duration', async () => {
    const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
    const ops: HistoryOp[] = [];
    const nemesis = new NemesisExecutor({
      cluster,
      findLeader: async () => 'n1',
      record: (d) => {
        const op = { ...d, index: ops.length, time: ops.length };
        ops.push(op);
        return op;
      },
    });
    const release = nemesis.hold(['kill'], 'rollout step s3 (rotate-dek storage)');
    await nemesis.run({ f: 'kill', target: { nodes: ['n2'] }, fault: 'kill-random' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await nemesis.run({ f: 'restart' });
    expect(cluster.node('n2').running).toBe(true);
    expect(ops).toEqual([]);
    release();
    await nemesis.exclusive(async () => undefined);
    expect(cluster.node('n2').running).toBe(false);
    // The end follows after about the planned 30 ms; drain() does not wait for it but ends it at once.
    await nemesis.drain();
    expect(cluster.node('n2').running).toBe(true);
    expect(ops.map((op) => op.f)).toEqual(['kill', 'kill', 'restart', 'restart']);
    expect(ops[0]?.value).toMatchObject({ deferredMs: expect.any(Number) });
    nemesis.dispose();
  });

  it('a start still held when the final heal comes is skipped, and so recorded', async () => {
    const cluster = new FakeCluster({ nodes: ['n1', 'n2', 'n3'], seed: 1, staleReadProbability: 0 });
    const ops: HistoryOp[] = [];
    const nemesis = new NemesisExecutor({
      cluster,
      findLeader: async () => 'n1',
      record: (d) => {
        const op = { ...d, index: ops.length, time: ops.length };
        ops.push(op);
        return op;
      },
    });
    nemesis.hold(['kill'], 'rollout step s3 (rotate-dek storage)');
    await nemesis.run({ f: 'kill', target: { nodes: ['n2'] }, fault: 'kill-random' });
    await nemesis.run({ f: 'restart' });
    await nemesis.run({ f: 'heal-all' });
    await nemesis.drain();
    expect(cluster.node('n2').running).toBe(true);
    expect(ops.slice(0, 2).map((op) => [op.f, op.value])).toEqual([
      ['kill', { target: { nodes: ['n2'] }, fault: 'kill-random' }],
      ['kill', { skipped: 'rollout step s3 (rotate-dek storage)' }],
    ]);
    expect(ops.map((op) => op.f)).not.toContain('restart');
    nemesis.dispose();
  });
});
