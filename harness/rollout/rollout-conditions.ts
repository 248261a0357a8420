/**
 * Conditions an `await` step waits for, evaluated against the running
 * cluster through the operator API (never node internals). Each evaluation
 * says whether the condition holds and, when it does not, what is missing —
 * the text a timed-out await records, so a STUCK run names the node it hangs
 * on.
 */
import type { RolloutCondition } from './rollout-action.js';
import { addressOf, currentLeader, memberStatuses } from './rollout-context.js';
import type { RolloutContext } from './rollout-context.js';

/** Whether a condition holds now, and what is missing when it does not. */
export interface ConditionState {
  readonly holds: boolean;
  readonly missing: string;
}

const holds: ConditionState = { holds: true, missing: '' };
const missing = (text: string): ConditionState => ({ holds: false, missing: text });

/** A condition prepared for repeated evaluation (caught-up fixes its target index on the first call). */
export type PreparedCondition = () => Promise<ConditionState>;

/** Prepares `condition` for polling. */
export function prepareCondition(condition: RolloutCondition, context: RolloutContext): PreparedCondition {
  switch (condition.kind) {
    case 'leader':
      return async () => ((await currentLeader(context)) === null ? missing('no leader agreed by a majority') : holds);
    case 'all-registered':
      return () => allRegistered(context);
    case 'caught-up': {
      let target: number | null = null;
      return async () => {
        const leader = await currentLeader(context);
        if (leader === null) return missing('no leader agreed by a majority');
        target ??= leader.commitIndex;
        const statuses = await memberStatuses(context);
        const memberIds = new Set(leader.members.map((m) => m.id));
        const behind = statuses.filter((s) => memberIds.has(s.id) && s.appliedIndex < (target as number));
        const unreachable = [...memberIds].filter(
          (id) => !context.retired.has(id) && !statuses.some((s) => s.id === id),
        );
        if (behind.length === 0 && unreachable.length === 0) return holds;
        return missing(
          [
            ...behind.map(
              (s) =>
                `${s.id} applied ${s.appliedIndex} < ${String(target)}${s.halted ? ` (halted at ${s.haltIndex}: ${s.haltError})` : ''}`,
            ),
            ...unreachable.map((id) => `${id} unreachable`),
          ].join('; '),
        );
      };
    }
    case 'snapshot-covers':
      return async () => {
        const index = context.stepIndexes.get(condition.step);
        if (index === undefined) return missing(`step ${condition.step} has no applied index`);
        const leader = await currentLeader(context);
        if (leader === null) return missing('no leader agreed by a majority');
        return leader.snapshotIndex >= index
          ? holds
          : missing(`leader ${leader.id} snapshot at ${leader.snapshotIndex} < ${index}`);
      };
    case 'member':
      return async () => {
        const leader = await currentLeader(context);
        if (leader === null) return missing('no leader agreed by a majority');
        const member = leader.members.find((m) => m.id === condition.node);
        return member?.suffrage === condition.suffrage
          ? holds
          : missing(`${condition.node} is ${member === undefined ? 'not a member' : `a ${member.suffrage}`}`);
      };
  }
}

/**
 * Every running member with a sidecar is registered (registry row equal to
 * its local epoch) for the active storage DEK, and after Phase 2 for the
 * active raft DEK. Before Phase 1 nodes do not register themselves (spec §3.4
 * (b) step 1), so the condition holds trivially then. A member whose sidecar
 * does not hold an active DEK yet (it has not applied the rotation) is not
 * registered yet (a node stopped before its row for a fresh DEK committed
 * refuses every later start).
 */
async function allRegistered(context: RolloutContext): Promise<ConditionState> {
  const leader = await currentLeader(context);
  if (leader === null) return missing('no leader agreed by a majority');
  const leaderState = await context.api.sidecar(addressOf(context, leader.id), context.rpcTimeoutMs);
  if (leaderState === null || !leaderState.storageEnvelopeActive || leaderState.activeStorageId === 0) return holds;
  const dekIds = [
    leaderState.activeStorageId,
    ...(leaderState.raftEnvelopeCutoverIndex !== 0 ? [leaderState.activeRaftId] : []),
  ];
  const problems: string[] = [];
  for (const member of leader.members) {
    if (context.retired.has(member.id)) continue;
    const handle = context.cluster.nodes().find((n) => n.id === member.id);
    if (handle === undefined || !handle.running) {
      problems.push(`${member.id} is down`);
      continue;
    }
    try {
      const status = await context.api.status(handle.clientAddress, context.rpcTimeoutMs);
      const state = await context.api.sidecar(handle.clientAddress, context.rpcTimeoutMs);
      if (state === null) continue;
      const rows = await context.api.registryRows(
        addressOf(context, leader.id),
        status.fullNodeId,
        context.rpcTimeoutMs,
      );
      for (const dek of dekIds) {
        const epoch = state.localEpochs[String(dek)];
        // A member that has not applied the DEK's entry yet has no epoch for it, and no row: not registered, although both are "absent".
        if (epoch === undefined)
          problems.push(`${member.id} has not applied DEK ${dek} yet (its sidecar does not hold it)`);
        else if (rows[String(dek)] !== epoch)
          problems.push(
            `${member.id} not registered for DEK ${dek} at epoch ${String(epoch)} (registry: ${String(rows[String(dek)] ?? 'no row')})`,
          );
      }
    } catch (error) {
      problems.push(`${member.id}: ${context.api.classify(error).name}`);
    }
  }
  return problems.length === 0 ? holds : missing(problems.join('; '));
}
