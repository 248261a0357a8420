/**
 * Who leads, as the nodes' status RPCs say: the nemesis needs it for
 * leader-targeted faults, and the runner waits for a leader before the test
 * starts and after the final heal.
 */
import { HarnessError } from '../errors/index.js';
import type { NodeHandle } from '../cluster/cluster-backend.js';
import type { NodeAccess, NodeStatusSummary } from './kv-connection.js';

/** Statuses of every reachable node (unreachable ones are left out). */
export async function probeStatuses(
  access: NodeAccess,
  nodes: readonly NodeHandle[],
  timeoutMs: number,
): Promise<NodeStatusSummary[]> {
  const results = await Promise.allSettled(
    nodes.filter((n) => n.running && !n.paused).map((n) => access.status(n.id, n.clientAddress, timeoutMs)),
  );
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

/**
 * The leader: the self-declared leader of the highest term, provided a
 * majority of the cluster is reachable and agrees on it (a deposed leader
 * that has not noticed yet would otherwise win). Null when there is none.
 */
export function leaderFrom(statuses: readonly NodeStatusSummary[], clusterSize: number): string | null {
  const majority = Math.floor(clusterSize / 2) + 1;
  const leaders = statuses.filter((s) => s.role === 'leader' && !s.halted).sort((a, b) => b.term - a.term);
  const candidate = leaders[0];
  if (candidate === undefined) return null;
  const agreeing = statuses.filter(
    (s) => s.id === candidate.id || (s.leader === candidate.id && s.term >= candidate.term),
  ).length;
  return agreeing >= majority ? candidate.id : null;
}

/** The current leader, or null. */
export async function findLeader(
  access: NodeAccess,
  nodes: readonly NodeHandle[],
  timeoutMs: number,
): Promise<string | null> {
  return leaderFrom(await probeStatuses(access, nodes, timeoutMs), nodes.length);
}

/**
 * The ids of the halted nodes when a majority of `clusterSize` report halted (null otherwise):
 * no leader can be agreed again until an operator acts (spec §5.4), so waiting for one is futile.
 */
export function haltedMajorityOf(statuses: readonly NodeStatusSummary[], clusterSize: number): string[] | null {
  const halted = statuses.filter((s) => s.halted).map((s) => s.id);
  return halted.length * 2 > clusterSize ? halted : null;
}

/**
 * Polls until a leader is known by a majority; throws CLUSTER_NOT_READY after `waitMaxMs`,
 * or CLUSTER_HALTED at once when a majority reports halted (no leader can come).
 */
export async function waitForLeader(
  access: NodeAccess,
  nodes: () => readonly NodeHandle[],
  options: { readonly waitMaxMs: number; readonly pollMs: number; readonly rpcTimeoutMs: number },
): Promise<string> {
  const deadline = Date.now() + options.waitMaxMs;
  let last: NodeStatusSummary[] = [];
  for (;;) {
    const current = nodes();
    last = await probeStatuses(access, current, options.rpcTimeoutMs);
    const leader = leaderFrom(last, current.length);
    if (leader !== null) return leader;
    const halted = haltedMajorityOf(last, current.length);
    if (halted !== null)
      throw new HarnessError('CLUSTER_HALTED', `no leader can be agreed: a majority halted (${halted.join(', ')})`);
    if (Date.now() >= deadline) {
      throw new HarnessError(
        'CLUSTER_NOT_READY',
        `no leader agreed by a majority within ${options.waitMaxMs} ms; statuses: ${JSON.stringify(last)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
