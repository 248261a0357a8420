/**
 * The `converged` condition of a final phase: every running, unhalted member
 * has applied up to the commit index the leader had when the wait began, so
 * local reads of every node see the same committed state (halted nodes are
 * frozen by definition and are left to the halt-apply checker).
 */
import type { NodeHandle } from '../cluster/cluster-backend.js';
import type { OperatorApi } from '../client/operator-api.js';

export interface ConvergedOptions {
  readonly api: OperatorApi;
  readonly nodes: () => readonly NodeHandle[];
  readonly boundMs: number;
  readonly rpcTimeoutMs: number;
  readonly pollMs: number;
  readonly signal: AbortSignal;
}

/** Waits until converged; null when it is, else what is still missing after the bound. */
export async function awaitConverged(options: ConvergedOptions): Promise<string | null> {
  const deadline = performance.now() + options.boundMs;
  let target: number | null = null;
  let missing = 'no status answered';
  for (;;) {
    const running = options.nodes().filter((n) => n.running && !n.paused);
    const settled = await Promise.allSettled(
      running.map((n) => options.api.status(n.clientAddress, options.rpcTimeoutMs)),
    );
    const statuses = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const leader = statuses.find((s) => s.role === 'leader' && !s.halted);
    if (leader !== undefined) {
      target ??= leader.commitIndex;
      const behind = statuses.filter((s) => !s.halted && s.appliedIndex < (target as number));
      const silent = running.filter((n) => !statuses.some((s) => s.id === n.id)).map((n) => `${n.id} did not answer`);
      if (behind.length === 0 && silent.length === 0) return null;
      missing = [...behind.map((s) => `${s.id} applied ${s.appliedIndex} < ${String(target)}`), ...silent].join('; ');
    } else {
      missing = 'no leader';
      // No leader can come back while a majority is halted (spec §5.4): waiting out the bound changes nothing.
      const halted = statuses.filter((s) => s.halted).map((s) => s.id);
      if (halted.length * 2 > options.nodes().length) return `no leader: a majority halted (${halted.join(', ')})`;
    }
    if (performance.now() >= deadline || options.signal.aborted) return missing;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
