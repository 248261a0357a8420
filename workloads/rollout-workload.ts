/**
 * The rollout workload: client load that runs while the rollout process
 * takes the cluster through its cutovers — the register ops (linearizable
 * per key) plus canary writes of incompressible random values to fresh keys
 * (`canary-<n>`, each written once), sent to whichever node the client talks
 * to (leaders and followers alike). Every canary value is recorded, so the
 * encryption checker knows each plaintext and when it was acknowledged. The
 * final phase writes once through every node (writes must succeed again after
 * the heal), reads every key linearizably, waits for the cluster to converge,
 * then reads every key on every node locally (no forwarding) for the
 * convergence checker.
 */
import { canaryKeyPrefix, canaryValueHexLength, localReadF } from '../checkers/artifacts/index.js';
import { kvClient } from '../harness/client/index.js';
import type { Checker } from '../harness/checking/index.js';
import { generator, merge, mix, phases, repeatedly } from '../harness/generator/index.js';
import type { EventGenerator, Maker, Random } from '../harness/generator/index.js';
import type { ClientOp, FinalEvent, MainPhaseSummary, Workload, WorkloadOptions } from '../harness/workload/index.js';
import { finalReads, registerCheckers, registerKeys, registerOps } from './register.js';
import { rolloutCheckers } from './rollout-checkers.js';

/** How long the final phase waits for every node to apply what was committed before the local reads. */
export const convergeBoundMs = 15_000;

/** A canary value: `canaryValueHexLength` random lowercase hex digits. */
export function canaryValue(random: Random): string {
  let text = '';
  for (let i = 0; i < canaryValueHexLength; i += 1) text += random.int(16).toString(16);
  return text;
}

function mainOps(options: WorkloadOptions): Maker<ClientOp> {
  const register = registerOps(registerKeys(options.keys));
  let canaries = 0;
  const canary: Maker<ClientOp> = (random) => ({
    f: 'write',
    key: `${canaryKeyPrefix}${canaries++}`,
    value: canaryValue(random),
  });
  if (options.canaryShare <= 0) return register;
  return mix([register, canary], [1 - options.canaryShare, options.canaryShare]);
}

/** How often a final recovery write is tried: about 15 s of retries after the heal. */
const recoveryWriteRetry = { attempts: 30, backoffMs: 500 } as const;

function recoveryWrites(nodes: readonly string[]): EventGenerator<FinalEvent> {
  return generator(function* (_context, startMs) {
    // A probe per node: a write right after the heal may meet an election, so it is retried until ok (bounded).
    for (const node of nodes)
      yield {
        atMs: startMs,
        value: { kind: 'op', op: { f: 'write', key: `recovery-${node}`, value: 1, node, untilOk: recoveryWriteRetry } },
      };
    return startMs;
  });
}

function localReads(nodes: readonly string[], keys: readonly string[]): EventGenerator<FinalEvent> {
  return generator(function* (_context, startMs) {
    for (const node of nodes)
      for (const key of keys)
        yield { atMs: startMs, value: { kind: 'op', op: { f: localReadF, key, value: null, node } } };
    return startMs;
  });
}

function finalPhase(options: WorkloadOptions, main: MainPhaseSummary): EventGenerator<FinalEvent> {
  const keys = [
    ...new Set([...registerKeys(options.keys), ...main.keys, ...options.nodes.map((n) => `recovery-${n}`)]),
  ];
  const converged: EventGenerator<FinalEvent> = generator(function* (_context, startMs) {
    yield { atMs: startMs, value: { kind: 'await', condition: { kind: 'converged' }, boundMs: convergeBoundMs } };
    return startMs;
  });
  return phases(
    recoveryWrites(options.nodes),
    converged,
    finalReads(keys),
    converged,
    merge(localReads(options.nodes, keys)),
  );
}

/** The checkers of a rollout run: the register's, then the rollout's own. */
export function rolloutWorkloadCheckers(): Checker[] {
  return [...registerCheckers(), ...rolloutCheckers()];
}

export const rolloutWorkload: Workload = Object.freeze({
  name: 'rollout',
  description:
    'register ops plus canary writes of random values through every node, final local reads on every node; judged by linearizability, halt-apply, encryption, availability and convergence',
  client: kvClient,
  generator: (options: WorkloadOptions) =>
    generator<ClientOp>(function* (context, startMs) {
      return yield* repeatedly(mainOps(options)).events(context, startMs);
    }),
  final: finalPhase,
  checkers: () => rolloutWorkloadCheckers(),
});
