/**
 * What a running rollout step can use: the operator API, the cluster's
 * process controls (through the nemesis executor's queue, so a restart never
 * races a scheduled fault), the node flags of each stage, and a clock that
 * tests can drive. Built once per run by the runner.
 */
import { leaderFrom } from '../client/leader.js';
import type { NodeStatus, OperatorApi } from '../client/operator-api.js';
import type { NemesisCluster, NemesisExecutor } from '../nemesis/index.js';

/** A node's flags as the rollout restarts it: the flags of a stage (encryption flags follow the stage). */
export type StageFlags = (node: string, stage: string) => readonly string[];

export interface RolloutContext {
  readonly api: OperatorApi;
  readonly cluster: NemesisCluster;
  readonly nemesis: NemesisExecutor;
  readonly stageFlags: StageFlags;
  readonly rpcTimeoutMs: number;
  readonly conditionPollMs: number;
  /** Aborts the whole program (the run ends, or the rollout outlived its drain window). */
  readonly signal: AbortSignal;
  /** Aborted at the final heal: faults aimed at steps that are still due are cancelled then. */
  readonly triggerSignal: AbortSignal;
  /** Milliseconds on a monotonic clock. */
  readonly nowMs: () => number;
  /** Resolves after `ms` or when `signal` aborts. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Log indexes of completed steps by id (conditions such as snapshot-covers read them). */
  readonly stepIndexes: ReadonlyMap<string, number>;
  /** Nodes removed from the cluster by an ok `remove` step. */
  readonly retired: ReadonlySet<string>;
  /** Where a node's sidecar lives (null: the run has none, so the sidecar steps cannot run). */
  readonly sidecarPathOf?: (node: string) => string | null;
}

/** Statuses of every running, unpaused member (unreachable ones are left out). */
export async function memberStatuses(context: RolloutContext): Promise<NodeStatus[]> {
  const nodes = context.cluster.nodes().filter((n) => n.running && !n.paused && !context.retired.has(n.id));
  const results = await Promise.allSettled(nodes.map((n) => context.api.status(n.clientAddress, context.rpcTimeoutMs)));
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

/**
 * The halted members when a majority of the members halted (null otherwise): the cluster
 * cannot commit again until an operator acts (spec §5.4), so no retry of a step can succeed.
 */
export async function haltedMajority(context: RolloutContext): Promise<NodeStatus[] | null> {
  const halted = (await memberStatuses(context)).filter((s) => s.halted);
  const members = context.cluster.nodes().filter((n) => !context.retired.has(n.id)).length;
  return halted.length * 2 > members ? halted : null;
}

/** The leader agreed by a majority of the configuration, with its status, or null. */
export async function currentLeader(context: RolloutContext): Promise<NodeStatus | null> {
  const statuses = await memberStatuses(context);
  const voters = statuses.find((s) => s.role === 'leader')?.members.filter((m) => m.suffrage === 'voter').length;
  const id = leaderFrom(statuses, voters ?? context.cluster.nodes().length - context.retired.size);
  return id === null ? null : (statuses.find((s) => s.id === id) ?? null);
}

/** The leader, waiting (bounded by the RPC timeout) for one to be agreed; throws a definite NoLeader otherwise. */
export async function requireLeader(context: RolloutContext): Promise<NodeStatus> {
  const deadline = context.nowMs() + context.rpcTimeoutMs;
  for (;;) {
    const leader = await currentLeader(context);
    if (leader !== null) return leader;
    if (context.nowMs() >= deadline || context.signal.aborted)
      throw new StepRefusal('NoLeader', 'no leader agreed by a majority');
    await context.sleep(context.conditionPollMs);
  }
}

/** The client address of a node. */
export function addressOf(context: RolloutContext, id: string): string {
  return context.cluster.node(id).clientAddress;
}

/** A refusal the harness itself decided (nothing was sent): definite, with a registry-style name. */
export class StepRefusal extends Error {
  override readonly name = 'StepRefusal';
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}
