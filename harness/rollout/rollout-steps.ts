/**
 * One attempt of each rollout action against the cluster, as an operator
 * would run it (the README's operator workflow): mutators go to the leader,
 * proposer fields come from the leader's own registry row, new DEK ids are
 * `max(ids) + 1`. An attempt either returns what the node answered (the ok
 * value recorded in the history) or rejects with the node's error, which the
 * runner classifies. `confirm` is the operator's check after an ambiguous
 * (info) attempt of a step that must not simply be sent again: a second
 * bootstrap, or a rotation re-using an id, would halt every replica (catalogue
 * H3, E22).
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { JsonValue } from '../history/op.js';
import type { Proposer } from '../client/operator-api.js';
import type { RolloutAction, StepNode } from './rollout-action.js';
import { addressOf, haltedMajority, memberStatuses, requireLeader, StepRefusal } from './rollout-context.js';
import type { RolloutContext } from './rollout-context.js';
import { prepareCondition } from './rollout-conditions.js';

/** What an attempt did. */
export interface AttemptResult {
  /** The node the step's RPC went to (or the node it restarted). */
  readonly node?: string;
  readonly value: { readonly [key: string]: JsonValue };
  /** The Raft index the step's entry applied at. */
  readonly logIndex?: number;
}

/** What the runner remembers of earlier attempts of the same step. */
export interface AttemptMemory {
  /** DEK ids an earlier attempt of this rotation proposed (never re-used: E22). */
  readonly proposedDekIds: number[];
  /** The node the last attempt's RPC went to. */
  node?: string;
  /** Nodes that refused this step with NotImplementedAtStage (a mixed cluster): leadership moves off them. */
  readonly refusedAtStage: Set<string>;
}

/** Runs one attempt of `action`. */
export async function attemptAction(
  action: RolloutAction,
  context: RolloutContext,
  memory: AttemptMemory,
): Promise<AttemptResult> {
  switch (action.f) {
    case 'bootstrap':
      return bootstrap(context, memory, action.leaveOut ?? []);
    case 'enable-storage-envelope':
    case 'enable-raft-envelope':
      return enable(context, action.f === 'enable-storage-envelope' ? 'storage' : 'raft', memory);
    case 'rotate-dek':
      return rotate(context, action.purpose, memory);
    case 'register-writer':
      return registerWriter(context, action.node, action.localEpoch, memory);
    case 'add-learner':
      return membership(context, memory, action.node, (address, t) =>
        context.api.addLearner(
          address,
          { id: action.node, address: action.address ?? context.cluster.node(action.node).peerAddress },
          t,
        ),
      );
    case 'promote':
      return membership(context, memory, action.node, (address, t) => context.api.promote(address, action.node, t));
    case 'remove':
      return remove(context, action.node, memory);
    case 'transfer-leadership':
      return transfer(context, action.to, memory);
    case 'upgrade-stage':
      return upgrade(context, action.node, action.stage, action.extraFlags ?? []);
    case 'restart':
      return restart(context, action);
    case 'save-sidecar':
      return saveSidecar(context, action.node, action.backup);
    case 'restore-sidecar':
      return restoreSidecar(context, action.node, action.backup);
    case 'roll-back-sidecar-epoch':
      return rollBackSidecarEpoch(context, action);
    case 'await':
      return awaitCondition(context, action);
  }
}

/** After an ambiguous attempt: did it take effect? (bootstrap and rotations only; others are idempotent or fail definitely on a repeat.) */
export async function confirmAction(
  action: RolloutAction,
  context: RolloutContext,
  memory: AttemptMemory,
): Promise<AttemptResult | null> {
  if (action.f === 'bootstrap') {
    const leader = await requireLeader(context);
    const state = await context.api.sidecar(addressOf(context, leader.id), context.rpcTimeoutMs);
    if (state === null || state.activeStorageId === 0) return null;
    return {
      node: leader.id,
      value: { storageDekId: state.activeStorageId, raftDekId: state.activeRaftId, confirmedBy: 'sidecar' },
    };
  }
  if (action.f === 'rotate-dek') {
    const leader = await requireLeader(context);
    const state = await context.api.sidecar(addressOf(context, leader.id), context.rpcTimeoutMs);
    const active = action.purpose === 'storage' ? state?.activeStorageId : state?.activeRaftId;
    if (active === undefined || !memory.proposedDekIds.includes(active)) return null;
    return { node: leader.id, value: { purpose: action.purpose, newDekId: active, confirmedBy: 'sidecar' } };
  }
  if (action.f === 'add-learner' || action.f === 'promote' || action.f === 'remove') {
    const leader = await requireLeader(context);
    const member = leader.members.find((m) => m.id === action.node);
    const done =
      action.f === 'remove'
        ? member === undefined
        : member?.suffrage === (action.f === 'add-learner' ? 'learner' : 'voter');
    if (!done) return null;
    if (action.f === 'remove') await retire(context, action.node);
    return { node: leader.id, value: { node: action.node, confirmedBy: 'status' } };
  }
  return null;
}

/** The leader's own registry row for `dekId` (ResyncSidecar), else its sidecar epoch: the proposer fields ekv-admin uses. */
async function proposerOf(
  context: RolloutContext,
  leaderId: string,
  fullNodeId: string,
  dekId: number,
): Promise<Proposer> {
  const address = addressOf(context, leaderId);
  const rows = await context.api.registryRows(address, fullNodeId, context.rpcTimeoutMs);
  const row = rows[String(dekId)];
  if (row !== undefined) return { fullNodeId, localEpoch: row };
  const state = await context.api.sidecar(address, context.rpcTimeoutMs);
  return { fullNodeId, localEpoch: state?.localEpochs[String(dekId)] ?? 0 };
}

async function bootstrap(
  context: RolloutContext,
  memory: AttemptMemory,
  leaveOut: readonly string[],
): Promise<AttemptResult> {
  const leader = await requireLeader(context);
  memory.node = leader.id;
  const unknown = leaveOut.filter((id) => !leader.members.some((m) => m.id === id));
  if (unknown.length > 0)
    throw new StepRefusal(
      'UnknownMember',
      `bootstrap leaveOut names ${unknown.join(', ')}, not a member (members: ${leader.members.map((m) => m.id).join(', ')})`,
    );
  // Discovery (`--discover-from` every member): each must answer; the capable ones become writers.
  const members = leader.members.filter((m) => !context.retired.has(m.id) && !leaveOut.includes(m.id));
  const writers = [];
  for (const member of members) {
    const capability = await context.api.capability(addressOf(context, member.id), context.rpcTimeoutMs);
    if (capability.capable) writers.push({ fullNodeId: capability.fullNodeId, localEpoch: capability.localEpoch });
  }
  if (writers.length === 0) throw new StepRefusal('EncryptionFailedPrecondition', 'no member is encryption-capable');
  const applied = await context.api.bootstrap(
    addressOf(context, leader.id),
    { storageDekId: 1, raftDekId: 2, writers },
    context.rpcTimeoutMs,
  );
  return {
    node: leader.id,
    value: {
      appliedIndex: applied.appliedIndex,
      storageDekId: 1,
      raftDekId: 2,
      writers: writers.length,
      ...(leaveOut.length > 0 ? { leftOut: [...leaveOut] } : {}),
    },
    logIndex: applied.appliedIndex,
  };
}

async function enable(
  context: RolloutContext,
  purpose: 'storage' | 'raft',
  memory: AttemptMemory,
): Promise<AttemptResult> {
  const leader = await requireLeader(context);
  memory.node = leader.id;
  const state = await context.api.sidecar(addressOf(context, leader.id), context.rpcTimeoutMs);
  if (state === null)
    throw new StepRefusal(
      'EncryptionFailedPrecondition',
      `leader ${leader.id} has no sidecar (not encryption-capable)`,
    );
  const proposer = await proposerOf(
    context,
    leader.id,
    leader.fullNodeId,
    purpose === 'storage' ? state.activeStorageId : state.activeRaftId,
  );
  const answer = await context.api.enable(addressOf(context, leader.id), purpose, proposer, context.rpcTimeoutMs);
  return {
    node: leader.id,
    value: { appliedIndex: answer.appliedIndex, wasAlreadyActive: answer.wasAlreadyActive },
    logIndex: answer.appliedIndex,
  };
}

async function rotate(
  context: RolloutContext,
  purpose: 'storage' | 'raft',
  memory: AttemptMemory,
): Promise<AttemptResult> {
  const leader = await requireLeader(context);
  memory.node = leader.id;
  const state = await context.api.sidecar(addressOf(context, leader.id), context.rpcTimeoutMs);
  if (state === null)
    throw new StepRefusal(
      'EncryptionFailedPrecondition',
      `leader ${leader.id} has no sidecar (not encryption-capable)`,
    );
  // max + 1, and above every id an earlier (ambiguous) attempt proposed: that one may still commit.
  const newDekId = Math.max(0, ...state.keyIds, ...memory.proposedDekIds) + 1;
  const current = purpose === 'storage' ? state.activeStorageId : state.activeRaftId;
  const proposer = await proposerOf(context, leader.id, leader.fullNodeId, current);
  memory.proposedDekIds.push(newDekId);
  const applied = await context.api.rotateDek(
    addressOf(context, leader.id),
    { purpose, newDekId, proposer },
    context.rpcTimeoutMs,
  );
  return {
    node: leader.id,
    value: { appliedIndex: applied.appliedIndex, purpose, newDekId },
    logIndex: applied.appliedIndex,
  };
}

async function registerWriter(
  context: RolloutContext,
  node: string,
  craftedEpoch: number | undefined,
  memory: AttemptMemory,
): Promise<AttemptResult> {
  const leader = await requireLeader(context);
  memory.node = leader.id;
  const leaderState = await context.api.sidecar(addressOf(context, leader.id), context.rpcTimeoutMs);
  const target = await context.api.status(addressOf(context, node), context.rpcTimeoutMs);
  const targetState = await context.api.sidecar(addressOf(context, node), context.rpcTimeoutMs);
  const dekId = leaderState?.activeStorageId ?? 0;
  if (dekId === 0 || targetState === null)
    throw new StepRefusal('EncryptionFailedPrecondition', `no active storage DEK, or ${node} has no sidecar`);
  const writer = {
    fullNodeId: target.fullNodeId,
    localEpoch: craftedEpoch ?? targetState.localEpochs[String(dekId)] ?? 0,
  };
  const applied = await context.api.registerWriter(
    addressOf(context, leader.id),
    { dekId, writers: [writer] },
    context.rpcTimeoutMs,
  );
  return {
    node: leader.id,
    value: { appliedIndex: applied.appliedIndex, dekId, writer: node, localEpoch: writer.localEpoch },
    logIndex: applied.appliedIndex,
  };
}

async function membership(
  context: RolloutContext,
  memory: AttemptMemory,
  node: string,
  call: (leaderAddress: string, timeoutMs: number) => Promise<{ readonly appliedIndex: number }>,
): Promise<AttemptResult> {
  const leader = await requireLeader(context);
  memory.node = leader.id;
  const applied = await call(addressOf(context, leader.id), context.rpcTimeoutMs);
  return { node: leader.id, value: { appliedIndex: applied.appliedIndex, node }, logIndex: applied.appliedIndex };
}

async function remove(context: RolloutContext, node: string, memory: AttemptMemory): Promise<AttemptResult> {
  const result = await membership(context, memory, node, (address, t) => context.api.remove(address, node, t));
  await retire(context, node);
  return result;
}

/** A removed member is stopped and never restarted by a heal. */
async function retire(context: RolloutContext, node: string): Promise<void> {
  (context.retired as Set<string>).add(node);
  context.nemesis.retire(node);
  await context.nemesis.exclusive(() => context.cluster.kill(node));
}

async function transfer(context: RolloutContext, to: StepNode, memory: AttemptMemory): Promise<AttemptResult> {
  const leader = await requireLeader(context);
  memory.node = leader.id;
  let target: string;
  if ('id' in to) target = to.id;
  else {
    // A follower: the first running voter other than the leader, in id order (deterministic given the cluster state).
    const voters = leader.members
      .filter((m) => m.suffrage === 'voter' && m.id !== leader.id && !context.retired.has(m.id))
      .map((m) => m.id)
      .sort();
    const running = new Set((await memberStatuses(context)).map((s) => s.id));
    const candidate = voters.find((id) => running.has(id));
    if (candidate === undefined)
      throw new StepRefusal('UnknownMember', 'no running follower to transfer leadership to');
    target = candidate;
  }
  if (target === leader.id)
    return { node: leader.id, value: { leader: leader.id, term: leader.term, alreadyLeader: true } };
  const answer = await context.api.transferLeadership(addressOf(context, leader.id), target, context.rpcTimeoutMs);
  return { node: leader.id, value: { leader: answer.leader, term: answer.term } };
}

async function upgrade(
  context: RolloutContext,
  node: string,
  stage: string,
  extraFlags: readonly string[],
): Promise<AttemptResult> {
  const flags = [...context.stageFlags(node, stage), ...extraFlags];
  await context.nemesis.exclusive(async () => {
    await context.cluster.kill(node);
    await context.cluster.start(node, flags);
  });
  return { node, value: { node, stage, flags } };
}

async function restart(
  context: RolloutContext,
  action: Extract<RolloutAction, { f: 'restart' }>,
): Promise<AttemptResult> {
  const ids = await restartTargets(context, action.nodes);
  const extra = [
    ...(action.extraFlags ?? []),
    ...(action.killPoint === undefined ? [] : ['--test-hooks', '--test-kill-point', action.killPoint]),
  ];
  const without = new Set(action.withoutFlags ?? []);
  const { cluster } = context;
  const down = (id: string): Promise<void> => (action.mode === 'kill' ? cluster.kill(id) : cluster.stopNode(id));
  // Extra and left-out flags (e.g. --rotate-on-startup) apply to this start only: later restarts use the node's own flags again.
  const up = async (id: string): Promise<void> => {
    if (extra.length === 0 && without.size === 0) return cluster.start(id);
    const own = cluster.flagsOf(id);
    try {
      await cluster.start(id, [...own.filter((flag) => !without.has(flag)), ...extra]);
    } finally {
      cluster.setFlags(id, own);
    }
    // The armed process will SIGKILL itself: the harness arranged that exit.
    if (action.killPoint !== undefined) cluster.expectExit?.(id);
  };
  const startOne = async (id: string): Promise<void> => {
    await down(id);
    await up(id);
  };
  if (!action.rolling) {
    await context.nemesis.exclusive(async () => {
      for (const id of ids) await down(id);
      for (const id of ids) await up(id);
    });
  } else {
    for (const id of ids) {
      await context.nemesis.exclusive(() => startOne(id));
      // Rolling: the next node goes down only once this one caught up (bounded).
      await waitFor(context, prepareCondition({ kind: 'caught-up' }, context), context.rpcTimeoutMs);
    }
  }
  return {
    node: ids[0] ?? '',
    value: {
      nodes: ids,
      mode: action.mode,
      ...(action.rolling ? { rolling: true } : {}),
      ...(action.killPoint === undefined ? {} : { killPoint: action.killPoint }),
    },
  };
}

/** The sidecar of `node` and the path of its backup `backup`; a definite refusal when the run has no sidecar for it. */
function sidecarFiles(
  context: RolloutContext,
  node: string,
  backup: string,
): { readonly sidecar: string; readonly backupPath: (name: string) => string } {
  const sidecar = context.sidecarPathOf?.(node) ?? null;
  if (sidecar === null)
    throw new StepRefusal('NoSidecar', `${node} has no sidecar in this run (not an encrypted node)`);
  if (!/^[A-Za-z0-9._-]+$/.test(backup))
    throw new StepRefusal(
      'InvalidBackupName',
      `sidecar backup name "${backup}" must be letters, digits, '.', '_' or '-'`,
    );
  return { sidecar, backupPath: (name) => `${sidecar}.backup-${name}` };
}

async function saveSidecar(context: RolloutContext, node: string, backup: string): Promise<AttemptResult> {
  const { sidecar, backupPath } = sidecarFiles(context, node, backup);
  if (!existsSync(sidecar)) throw new StepRefusal('NoSidecar', `${node} has written no sidecar yet (${sidecar})`);
  // The node replaces keys.json by rename (spec §4.2), so a copy reads one whole version.
  copyFileSync(sidecar, backupPath(backup));
  return { node, value: { node, backup } };
}

async function restoreSidecar(context: RolloutContext, node: string, backup: string): Promise<AttemptResult> {
  const { sidecar, backupPath } = sidecarFiles(context, node, backup);
  if (!existsSync(backupPath(backup)))
    throw new StepRefusal('NoSuchBackup', `${node} has no sidecar backup "${backup}" (a save-sidecar step makes one)`);
  const replaced = `replaced-by-${backup}`;
  await context.nemesis.exclusive(async () => {
    await context.cluster.stopNode(node);
    if (existsSync(sidecar)) copyFileSync(sidecar, backupPath(replaced));
    copyFileSync(backupPath(backup), sidecar);
    await context.cluster.start(node);
  });
  return { node, value: { node, backup, replaced } };
}

/**
 * The active DEK of `purpose` in a sidecar's JSON (spec §4.2: `active.<purpose>` names a key of
 * `keys`, whose `local_epoch` is a uint16), with the parsed document to edit; a definite refusal
 * naming the field when the file is not a sidecar this step can edit.
 */
function activeKeyOf(
  text: string,
  path: string,
  purpose: 'storage' | 'raft',
): {
  readonly document: Record<string, unknown>;
  readonly dekId: number;
  readonly key: Record<string, unknown>;
  readonly epoch: number;
} {
  const invalid = (what: string): StepRefusal => new StepRefusal('InvalidSidecar', `${path}: ${what}`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(document)) throw invalid('not a JSON object');
  const active = document['active'];
  const dekId = isObject(active) ? active[purpose] : undefined;
  if (typeof dekId !== 'number' || !Number.isInteger(dekId) || dekId <= 0)
    throw invalid(`no active ${purpose} DEK (active.${purpose} is ${JSON.stringify(dekId)})`);
  const keys = document['keys'];
  const key = isObject(keys) ? keys[String(dekId)] : undefined;
  if (!isObject(key)) throw invalid(`active ${purpose} DEK ${dekId} is not in keys`);
  const epoch = key['local_epoch'];
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0)
    throw invalid(`keys.${dekId}.local_epoch is ${JSON.stringify(epoch)}, not a non-negative integer`);
  return { document, dekId, key, epoch };
}

async function rollBackSidecarEpoch(
  context: RolloutContext,
  action: Extract<RolloutAction, { f: 'roll-back-sidecar-epoch' }>,
): Promise<AttemptResult> {
  const { node, purpose, by } = action;
  const replaced = `before-${purpose}-epoch-rollback`;
  const { sidecar, backupPath } = sidecarFiles(context, node, replaced);
  if (!Number.isInteger(by) || by < 1)
    throw new StepRefusal('InvalidArgument', `roll-back-sidecar-epoch: by must be a positive integer, not ${by}`);
  if (!existsSync(sidecar)) throw new StepRefusal('NoSidecar', `${node} has written no sidecar yet (${sidecar})`);
  let edit: { readonly dekId: number; readonly from: number } | undefined;
  await context.nemesis.exclusive(async () => {
    await context.cluster.stopNode(node);
    // Read once the node is stopped: a running node may still rewrite it. A sidecar this step cannot
    // edit leaves the node as it found it: started again on its own sidecar.
    let parsed: ReturnType<typeof activeKeyOf>;
    try {
      parsed = activeKeyOf(readFileSync(sidecar, 'utf8'), sidecar, purpose);
      if (parsed.epoch < by)
        throw new StepRefusal(
          'InvalidArgument',
          `${node}'s ${purpose} DEK ${parsed.dekId} is at local epoch ${parsed.epoch}: it cannot go back by ${by}`,
        );
    } catch (error) {
      await context.cluster.start(node);
      throw error;
    }
    const { document, dekId, key, epoch } = parsed;
    copyFileSync(sidecar, backupPath(replaced));
    key['local_epoch'] = epoch - by;
    // Written in place: the file keeps its owner and mode (0600), as a restored copy would.
    writeFileSync(sidecar, `${JSON.stringify(document, null, 2)}\n`);
    edit = { dekId, from: epoch };
    await context.cluster.start(node);
  });
  if (edit === undefined) throw new Error('unreachable: the edit ran inside exclusive');
  return { node, value: { node, purpose, dekId: edit.dekId, from: edit.from, to: edit.from - by, replaced } };
}

async function restartTargets(context: RolloutContext, nodes: readonly StepNode[] | 'all'): Promise<string[]> {
  if (nodes === 'all')
    return context.cluster
      .nodes()
      .filter((n) => !context.retired.has(n.id))
      .map((n) => n.id);
  const ids: string[] = [];
  for (const node of nodes) {
    if ('id' in node) ids.push(node.id);
    else {
      const leader = await requireLeader(context);
      if ('leader' in node) ids.push(leader.id);
      else {
        const follower = leader.members.find((m) => m.id !== leader.id && !context.retired.has(m.id));
        if (follower === undefined) throw new StepRefusal('UnknownMember', 'no follower to restart');
        ids.push(follower.id);
      }
    }
  }
  return [...new Set(ids)];
}

async function awaitCondition(
  context: RolloutContext,
  action: Extract<RolloutAction, { f: 'await' }>,
): Promise<AttemptResult> {
  const startedMs = context.nowMs();
  await waitFor(context, prepareCondition(action.condition, context), action.boundMs);
  return { value: { condition: action.condition.kind, waitedMs: Math.round(context.nowMs() - startedMs) } };
}

/**
 * Polls until the condition holds; a definite ConditionTimeout naming what is
 * missing otherwise. A poll whose RPCs fail (a node just killed, a leader
 * moving) is "not yet", never the end of the wait: faults are what the wait
 * waits out.
 */
async function waitFor(
  context: RolloutContext,
  condition: () => Promise<{ holds: boolean; missing: string }>,
  boundMs: number,
): Promise<void> {
  const deadline = context.nowMs() + boundMs;
  let last = '';
  for (let poll = 1; ; poll += 1) {
    const state = await condition().catch((error: unknown) => ({
      holds: false,
      missing: `a status call failed: ${context.api.classify(error).name}`,
    }));
    if (state.holds) return;
    last = state.missing;
    if (context.nowMs() >= deadline || context.signal.aborted)
      throw new StepRefusal('ConditionTimeout', `not within ${boundMs} ms: ${last}`);
    // A majority halted commits nothing again until an operator acts (spec §5.4): waiting out the bound proves nothing.
    if (poll % haltCheckEveryPolls === 0) {
      const halted = await haltedMajority(context).catch(() => null);
      if (halted !== null)
        throw new StepRefusal(
          'ClusterHalted',
          `a majority halted (${halted.map((h) => `${h.id}: ${h.haltError || 'halted'} at ${h.haltIndex}`).join(', ')}) while waiting: ${last}`,
        );
    }
    await context.sleep(context.conditionPollMs);
  }
}

/** How often (in polls) a waiting condition checks whether a majority halted. */
const haltCheckEveryPolls = 5;
