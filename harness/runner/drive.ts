/**
 * Runs the plan on a started cluster: the history writer, the status
 * sampler, the nemesis executor, the rollout process, one client worker per
 * thread, and the progress line. Everything it opens is closed before it
 * returns, on every path.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { findLeader, waitForLeader } from '../client/leader.js';
import type { NodeAccess } from '../client/kv-connection.js';
import type { OperatorApi } from '../client/operator-api.js';
import { HistoryWriter, makeHistoryHeader } from '../history/index.js';
import { NemesisExecutor } from '../nemesis/index.js';
import type { NemesisCluster } from '../nemesis/index.js';
import type { Plan } from '../plan/index.js';
import { rolloutDefaults } from '../rollout/rollout-program.js';
import type { RolloutProgram } from '../rollout/rollout-program.js';
import { runRollout } from '../rollout/rollout-runner.js';
import type { RolloutReport } from '../rollout/rollout-runner.js';
import type { RolloutContext } from '../rollout/rollout-context.js';
import { StatusSampler, statusSamplerDefaults } from '../status/index.js';
import { runFiles } from '../store/index.js';
import type { ClusterCondition, Workload } from '../workload/index.js';
import { ClientWorker } from './client-worker.js';
import { awaitConverged } from './converged.js';
import { nodeFlagsAt, sidecarPathOf } from './node-flags.js';
import { runPlan } from './plan-runner.js';
import type { PlanRunReport } from './plan-runner.js';
import type { RunTestDependencies } from './run-test.js';
import type { TestConfig } from './test-config.js';

export interface DriveInput {
  readonly config: TestConfig;
  readonly deps: RunTestDependencies;
  readonly plan: Plan;
  readonly runDir: string;
  readonly startedAt: Date;
  readonly workload: Workload;
  readonly cluster: NemesisCluster;
  readonly access: NodeAccess;
  readonly api: OperatorApi | null;
}

/** Drives the plan to its end; throws only for harness failures (the caller records them as a crash). */
export async function drive(input: DriveInput): Promise<PlanRunReport> {
  const { config, deps, cluster, access, api } = input;
  const t0 = performance.now();
  const clock = (): number => (performance.now() - t0) * 1e6;
  const history = new HistoryWriter({
    path: join(input.runDir, runFiles.historyJsonl),
    header: makeHistoryHeader({ test: config.name, seed: config.seed, startedAt: input.startedAt.toISOString() }),
    fsyncIntervalMs: config.historyFsyncIntervalMs,
    clock,
  });
  const sampler =
    api === null
      ? null
      : new StatusSampler({
          path: join(input.runDir, runFiles.statusJsonl),
          api,
          nodes: () => cluster.nodes(),
          clock,
          periodMs: config.statusPeriodMs,
          rpcTimeoutMs: statusSamplerDefaults.rpcTimeoutMs,
          fsyncIntervalMs: statusSamplerDefaults.fsyncIntervalMs,
        });
  const workers: ClientWorker[] = [];
  const members = (): ReturnType<NemesisCluster['nodes']> => cluster.nodes().filter((n) => !retired.has(n.id));
  const retired = new Set<string>();
  const nemesis = new NemesisExecutor({
    cluster,
    findLeader: () => findLeader(access, members(), config.statusRpcTimeoutMs),
    record: (d) => history.append(d),
  });
  const rolloutAbort = new AbortController();
  const triggersEnd = new AbortController();
  const abortRollout = (): void => rolloutAbort.abort();
  deps.signal.addEventListener('abort', abortRollout, { once: true });
  try {
    sampler?.start();
    const nodes = cluster.nodes();
    for (let thread = 0; thread < config.concurrency; thread += 1) {
      const node = nodes[thread % nodes.length];
      if (node === undefined) throw new Error('cluster has no nodes');
      workers.push(
        new ClientWorker(
          thread,
          config.concurrency,
          access.connect(node.id, node.clientAddress),
          input.workload.client,
          (d) => history.append(d),
          config.opTimeoutMs,
        ),
      );
    }
    const context: RolloutContext | null =
      api === null
        ? null
        : {
            api,
            cluster,
            nemesis,
            stageFlags: (node, stage) => nodeFlagsAt(config, input.runDir, node, stage),
            rpcTimeoutMs: rolloutDefaults.stepRpcTimeoutMs,
            conditionPollMs: rolloutDefaults.conditionPollMs,
            signal: rolloutAbort.signal,
            triggerSignal: triggersEnd.signal,
            nowMs: () => performance.now(),
            sleep: (ms) => delay(ms, undefined, { signal: rolloutAbort.signal }).catch(() => undefined),
            stepIndexes: new Map(),
            retired,
            sidecarPathOf: (node) => (config.encryptionNodes.includes(node) ? sidecarPathOf(input.runDir, node) : null),
          };
    // Health after the heal: the final phase should meet a cluster with a leader (bounded; a miss shows up in the final ops).
    const beforeFinal = async (): Promise<void> => {
      await waitForLeader(access, members, {
        waitMaxMs: config.clusterReadyWaitMaxMs,
        pollMs: 100,
        rpcTimeoutMs: config.statusRpcTimeoutMs,
      }).catch((error: unknown) => {
        deps.log(`ekv-jepsen: after the heal: ${error instanceof Error ? error.message : String(error)}`);
      });
    };
    const awaitCondition = async (condition: ClusterCondition, boundMs: number): Promise<void> => {
      // Without the operator API (the in-process fake) there is one state for all nodes: nothing to wait for.
      if (api === null) return;
      const missing = await awaitConverged({
        api,
        nodes: members,
        boundMs,
        rpcTimeoutMs: config.statusRpcTimeoutMs,
        pollMs: 100,
        signal: deps.signal,
      });
      if (missing !== null)
        deps.log(`ekv-jepsen: the final phase goes on before the cluster ${condition.kind}: ${missing}`);
    };
    const rollout =
      context === null
        ? undefined
        : {
            run: (program: RolloutProgram): Promise<RolloutReport> =>
              runRollout({
                program,
                context,
                record: (d) => history.append(d),
                onStep: (s) => deps.progress.note?.(s),
                log: deps.log,
              }),
            endTriggers: () => triggersEnd.abort(),
            abort: abortRollout,
            drainMs: config.rolloutDrainMs,
          };
    return await runWithProgress(deps, input.plan, {
      workers,
      nemesis,
      history,
      beforeFinal,
      awaitCondition,
      ...(rollout === undefined ? {} : { rollout }),
    });
  } finally {
    deps.signal.removeEventListener('abort', abortRollout);
    triggersEnd.abort();
    rolloutAbort.abort();
    deps.progress.stop();
    // The last state of every node is on record before the cluster stops.
    await sampler?.sampleNow().catch(() => undefined);
    await sampler?.stop();
    nemesis.dispose();
    for (const worker of workers) worker.close();
    history.close();
  }
}

async function runWithProgress(
  deps: RunTestDependencies,
  plan: Plan,
  parts: {
    readonly workers: readonly ClientWorker[];
    readonly nemesis: NemesisExecutor;
    readonly history: HistoryWriter;
    readonly beforeFinal: () => Promise<void>;
    readonly awaitCondition: (condition: ClusterCondition, boundMs: number) => Promise<void>;
    readonly rollout?: NonNullable<Parameters<typeof runPlan>[0]['rollout']>;
  },
): Promise<PlanRunReport> {
  const counts = { ok: 0, fail: 0, info: 0 };
  parts.history.onAppend((op) => {
    if (typeof op.process === 'number' && op.type !== 'invoke') counts[op.type] += 1;
  });
  const startMs = performance.now();
  const elapsedMs = (): number => performance.now() - startMs;
  deps.progress.start(plan.endMs / 1000);
  const timer = setInterval(() => deps.progress.update(elapsedMs() / 1000, counts, parts.nemesis.activeFaults()), 250);
  try {
    return await runPlan({
      plan,
      workers: parts.workers,
      nemesis: parts.nemesis,
      elapsedMs,
      signal: deps.signal,
      beforeFinal: parts.beforeFinal,
      awaitCondition: parts.awaitCondition,
      ...(parts.rollout === undefined ? {} : { rollout: parts.rollout }),
    });
  } finally {
    clearInterval(timer);
  }
}
