/**
 * The checkers every workload can use: linearizability of its client ops
 * (knossos semantics: `fail` did not happen, `info` may have happened at any
 * time after its invocation), stats, recovery of the final reads, and node
 * exits the harness did not cause.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, createModel, visualize } from '../../checkers/linearizability/index.js';
import type { ModelName } from '../../checkers/linearizability/index.js';
import type { HistoryOp as CheckerOp } from '../../checkers/history/index.js';
import { NodeErrors } from '../../reference-node/proto/index.js';
import { casMismatchError } from '../client/client-op.js';
import type { HistoryOp } from '../history/op.js';
import type { Checker, CheckerEntry } from './checker.js';
import { historyStats } from './history-stats.js';
import type { RunArtifacts } from './run-artifacts.js';

/** Client ops with these `f`s enter the linearizability check (others, like local reads, do not). */
export function linearizabilityChecker(options: {
  readonly model: ModelName;
  readonly fs: readonly string[];
  readonly budgetMs: (run: RunArtifacts) => number;
}): Checker {
  return {
    name: 'linearizability',
    check(run) {
      const fs = new Set(options.fs);
      const history: CheckerOp[] = run
        .history()
        .filter((op) => typeof op.process !== 'number' || fs.has(op.f))
        .map((op) => ({ ...op, value: op.value ?? null }));
      if (!history.some((op) => typeof op.process === 'number'))
        return { valid: 'unknown', reason: 'the history has no client operation to check' };
      // Every key is checked, also after the first failing one, so the report can say which keys hold (within the budget).
      const result = check(createModel(options.model), history, {
        semantics: 'knossos',
        budgetMs: options.budgetMs(run),
        stopAtFirstFailure: false,
      });
      if (result.valid !== true) {
        const html = visualize({
          result,
          history,
          model: createModel(options.model),
          semantics: 'knossos',
          title: 'linearizability',
        });
        writeFileSync(join(run.outputDir, 'linearizability.html'), html);
      }
      const reason =
        result.valid === true
          ? undefined
          : result.valid === false
            ? `not linearizable: ${describeFailure(result)}`
            : `the linearizability search could not decide (${JSON.stringify((result as { stopReason?: unknown }).stopReason ?? 'budget')})`;
      return { ...result, ...(reason === undefined ? {} : { reason }), model: options.model, semantics: 'knossos' };
    },
  };
}

function describeFailure(result: object): string {
  const op = (result as { op?: { f?: string; key?: string; index?: number; value?: unknown } }).op;
  if (op === undefined) return 'no linearization exists';
  return `${op.f ?? 'op'}${op.key === undefined ? '' : ` of ${op.key}`} (history index ${String(op.index)}) returned ${JSON.stringify(op.value)}, which no order of the operations allows`;
}

/** ok/fail/info per op type, before faults / during faults / after the heal. */
export const statsChecker: Checker = {
  name: 'stats',
  check(run) {
    const stats = historyStats(run.history());
    return stats.totals.ok > 0
      ? { valid: true, ...stats }
      : { valid: 'unknown', reason: 'no client operation succeeded', ...stats };
  },
};

/** Did every node serve again after the final heal? Liveness: failures leave the final state unverified, not wrong. */
export const recoveryChecker: Checker = {
  name: 'recovery',
  check(run) {
    return recovery(run.history());
  },
};

function recovery(ops: readonly HistoryOp[]): CheckerEntry {
  const healAt = ops.findLastIndex((op) => op.process === 'nemesis' && op.f === 'heal-all');
  if (healAt < 0) return { valid: 'unknown', reason: 'the history has no completed final heal (run cut short?)' };
  // A member the rollout removed no longer serves: its clients' refusals say nothing about recovery.
  const removed = new Set(
    ops
      .filter((op) => op.process === 'rollout' && op.f === 'remove' && op.type === 'ok')
      .map((op) => removedNode(op))
      .filter((n) => n !== undefined),
  );
  // Only ops invoked after the heal count: a main-phase op may complete after it.
  const invokedAt = new Map<number | string, number>();
  let onRemoved = 0;
  let onHalted = 0;
  const completions: { readonly op: HistoryOp; readonly invokedAt: number }[] = [];
  for (const op of ops.slice(healAt + 1)) {
    if (typeof op.process !== 'number') continue;
    if (op.type === 'invoke') {
      invokedAt.set(op.process, op.index);
      continue;
    }
    const invoke = invokedAt.get(op.process);
    if (invoke === undefined) continue;
    invokedAt.delete(op.process);
    if (op.node !== undefined && removed.has(op.node)) {
      onRemoved += 1;
      continue;
    }
    // A halted node refuses work until an operator acts (spec §5.4): whether it should have halted is
    // the halt-apply checker's question; recovery asks whether the rest of the cluster serves again.
    if (op.type === 'fail' && op.error === haltedError) {
      onHalted += 1;
      continue;
    }
    completions.push({ op, invokedAt: invoke });
  }
  // A compare-and-set that found another value is an answer, not a failure to recover.
  const succeeded = (op: HistoryOp): boolean =>
    op.type === 'ok' || (op.type === 'fail' && op.error === casMismatchError);
  // A failure is transient when the same node later served an op invoked after it (an election right
  // after the heal, say): the node recovered. One it never recovered from leaves recovery unknown.
  const lastServedInvoke = new Map<string, number>();
  for (const c of completions)
    if (succeeded(c.op))
      lastServedInvoke.set(c.op.node ?? '', Math.max(lastServedInvoke.get(c.op.node ?? '') ?? -1, c.invokedAt));
  const failed = completions.filter((c) => !succeeded(c.op)).map((c) => c.op);
  const unrecovered = failed.filter((op) => (lastServedInvoke.get(op.node ?? '') ?? -1) < op.index);
  const excluded = {
    ...(onRemoved === 0 ? {} : { opsOnRemovedMembers: onRemoved }),
    ...(onHalted === 0 ? {} : { opsRefusedByHaltedNodes: onHalted }),
    ...(failed.length === unrecovered.length ? {} : { transientFailures: failed.length - unrecovered.length }),
  };
  if (completions.length === 0)
    return { valid: 'unknown', reason: 'no operation completed after the final heal', ...excluded };
  return unrecovered.length === 0
    ? { valid: true, finalOps: completions.length, ...excluded }
    : {
        valid: 'unknown',
        reason: `${unrecovered.length} of ${completions.length} operations after the final heal did not succeed, and their nodes (${[...new Set(unrecovered.map((op) => op.node ?? '?'))].join(', ')}) served nothing invoked later`,
        finalOps: completions.length,
        ...excluded,
        notOk: unrecovered
          .slice(0, 100)
          .map((op) => ({ index: op.index, f: op.f, key: op.key, type: op.type, error: op.error, node: op.node })),
      };
}

const haltedError = NodeErrors.NodeHalted.name;

function removedNode(op: HistoryOp): string | undefined {
  const value = op.value as { node?: unknown } | null;
  return value !== null && typeof value === 'object' && typeof value.node === 'string' ? value.node : undefined;
}

/** Node exits the harness did not cause (execution.json): a crash is a failure of the system under test. */
export const nodeExitsChecker: Checker = {
  name: 'node-exits',
  check(run) {
    const execution = run.execution();
    if (execution === null)
      return { valid: 'unknown', reason: 'execution.json is missing (the run crashed before writing it)' };
    const exits = execution.unexpectedExits;
    if (exits.length === 0) return { valid: true, unexpectedExits: [] };
    const first = exits[0];
    return {
      valid: false,
      reason: `${exits.length} node exit(s) the harness did not cause, first ${first?.node} with code ${String(first?.code)}${first?.signal === null ? '' : ` signal ${String(first?.signal)}`}`,
      unexpectedExits: exits,
    };
  },
};
