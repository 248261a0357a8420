/**
 * Scenarios across rollout stages (spec §7.1, §7.8): a rolling upgrade
 * 6A → 6F one node at a time with the cutovers once every node's stage allows
 * them, and a mixed cluster with one node held at an older stage, whose
 * spec-required halt is declared expected.
 */
import { ProgramBuilder } from '../../harness/scenario/index.js';
import type { Scenario } from '../../harness/scenario/index.js';
import { encryptedCluster, threeNodes } from './cluster-defaults.js';
import { awaitBoundMs, bootstrap, phase1, phase2 } from './rollout-sequences.js';

/** Upgrades every node to `stage`, one at a time in a seeded order, each catching up before the next. */
export function upgradeAll(b: ProgramBuilder, nodes: readonly string[], stage: string, awaitRegistered: boolean): void {
  const order = [...nodes];
  // A seeded rotation of the order, so different seeds upgrade (and so restart) the leader at different points.
  const first = b.pick(order.map((_, i) => i));
  for (const node of [...order.slice(first), ...order.slice(0, first)]) {
    b.step({ f: 'upgrade-stage', node, stage }, { holdFaults: ['kill'] });
    if (awaitRegistered) b.await({ kind: 'all-registered' }, awaitBoundMs);
    b.await({ kind: 'caught-up' }, awaitBoundMs);
  }
}

export const rollingUpgradeScenario: Scenario = {
  name: 'rolling-upgrade',
  summary:
    'start every node at 6A, upgrade one node at a time through 6B … 6F, bootstrapping at 6B, Phase 1 at 6D and Phase 2 at 6E once every node runs them',
  faults: 'partitions, pauses, clock skew, kills (held off during each upgrade restart)',
  targets: ['I3', 'I9', 'B2', 'B20', 'E2', 'E16'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 110_000, stages: Object.fromEntries(threeNodes.map((n) => [n, '6A'])) }),
  program: (context) => {
    const b = new ProgramBuilder(context.random, { min: 300, max: 1_200 });
    const nodes = context.nodes;
    b.await({ kind: 'leader' }, awaitBoundMs);
    upgradeAll(b, nodes, '6B', false);
    bootstrap(b);
    upgradeAll(b, nodes, '6C', false);
    upgradeAll(b, nodes, '6D', false);
    phase1(b);
    upgradeAll(b, nodes, '6E', true);
    phase2(b);
    upgradeAll(b, nodes, '6F', true);
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 30_000, unfinishedStepsAllowed: [] }),
};

/** The node held back in the mixed-stage scenario. */
const heldBack = 'n3';

export const mixedStageScenario: Scenario = {
  name: 'mixed-stage',
  summary: `n1, n2 at 6F and ${heldBack} held at 6C: bootstrap applies everywhere, Phase 1 halts ${heldBack} (sub-tag 0x04 is unknown before 6D, spec §7.8) — again after its restart — while the pair serves`,
  faults: 'partitions, pauses, clock skew, kills',
  targets: ['I4', 'B18', 'B19', 'E2'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 45_000, stages: { [heldBack]: '6C' } }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    b.await({ kind: 'leader' }, awaitBoundMs);
    // The held-back node must not run the RPCs: hand leadership to a 6F node first.
    b.step({ f: 'transfer-leadership', to: { id: 'n1' } });
    bootstrap(b);
    b.step({ f: 'enable-storage-envelope' }, { holdFaults: ['kill'] });
    b.await({ kind: 'leader' }, awaitBoundMs);
    // The halt is deterministic: after a restart the node replays and halts at the same index.
    b.step({ f: 'restart', nodes: [{ id: heldBack }], mode: 'kill', rolling: false });
    return b.build();
  },
  expectations: () => ({
    expectedHalts: [
      {
        nodes: [heldBack],
        errors: ['ErrFSMWireSubtag'],
        reason:
          'spec §7.8: a binary older than 6D halts on sub-tag 0x04 (the storage cutover), and again on every restart',
      },
    ],
    recoveryWindowMs: 20_000,
    unfinishedStepsAllowed: [],
  }),
};
