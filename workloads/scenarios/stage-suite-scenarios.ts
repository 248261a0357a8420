/**
 * The scenarios of the per-stage release suites (`ekv-jepsen validate-stage`,
 * stage-suites.ts), one builder per entry kind, parametrised by the stage:
 * every node at the stage taking the rollout steps the stage makes possible;
 * the rolling upgrade from the previous stage; the downgrade back to it and
 * the re-upgrade, at the point the spec still allows it; restarts and
 * membership changes at the stage; and a node held back at the previous
 * stage while the stage's new step runs (the halt the spec requires).
 * What each stage makes possible is spec §7.1: bootstrap from 6B (mutators),
 * Phase 1 from 6D, Phase 2 from 6E, rotate-on-startup from 6F.
 */
import { ProgramBuilder } from '../../harness/scenario/index.js';
import type { Scenario, ScenarioContext } from '../../harness/scenario/index.js';
import { encryptedCluster, threeNodes } from './cluster-defaults.js';
import { joinPromoteReplace } from './membership-scenarios.js';
import {
  awaitBoundMs,
  bootstrap,
  phase1,
  phase2,
  restartRotatingOnStartup,
  retryEnable,
  rollingRestart,
  rotate,
} from './rollout-sequences.js';
import { upgradeAll } from './stage-scenarios.js';

/** The rollout stages, in ladder order (spec §7.1). */
export const rolloutStages = ['6A', '6B', '6C', '6D', '6E', '6F'] as const;
export type RolloutStage = (typeof rolloutStages)[number];

/** The stage before `stage` (null for 6A, the first). */
export function previousStage(stage: RolloutStage): RolloutStage | null {
  const index = rolloutStages.indexOf(stage);
  return index === 0 ? null : (rolloutStages[index - 1] as RolloutStage);
}

const atLeast = (stage: RolloutStage, than: RolloutStage): boolean =>
  rolloutStages.indexOf(stage) >= rolloutStages.indexOf(than);

/** How many cutover-type steps a cluster at `stage` takes (bootstrap, Phase 1, Phase 2), for the time limits. */
function rolloutStepCount(stage: RolloutStage): number {
  return (atLeast(stage, '6B') ? 1 : 0) + (atLeast(stage, '6D') ? 1 : 0) + (atLeast(stage, '6E') ? 1 : 0);
}

/** Every node at `stage`. */
function allAt(nodes: readonly string[], stage: RolloutStage): Record<string, string> {
  return Object.fromEntries(nodes.map((n) => [n, stage]));
}

/** The rollout steps a cluster whose every node runs `stage` can take, in order: bootstrap (6B), Phase 1 (6D), Phase 2 (6E). */
export function rolloutUpTo(b: ProgramBuilder, stage: RolloutStage): void {
  b.await({ kind: 'leader' }, awaitBoundMs);
  if (atLeast(stage, '6B')) bootstrap(b);
  if (atLeast(stage, '6D')) phase1(b);
  if (atLeast(stage, '6E')) phase2(b);
}

/** What `stage` newly makes possible, on a cluster that took every step of the stage before it. */
export function newlyPossible(b: ProgramBuilder, stage: RolloutStage, context: ScenarioContext): void {
  switch (stage) {
    case '6A':
      return;
    case '6B':
      bootstrap(b);
      return;
    case '6C':
      // 6C adds the startup refusal guards (spec §8.2) and nothing in the log: a rolling restart runs them on every node.
      rollingRestart(b);
      return;
    case '6D':
      phase1(b);
      retryEnable(b, 'storage');
      return;
    case '6E':
      phase2(b);
      retryEnable(b, 'raft');
      return;
    case '6F':
      restartRotatingOnStartup(b, b.pick(context.nodes));
      return;
  }
}

const defaultFaults =
  'partitions, kills, pauses, clock skew (kills held off around each restart and until every node registered after each cutover)';

/** Every node at `stage`: the rollout steps it makes possible, retries, and (from 6E) rotations, under the default faults. */
export function stageSteadyScenario(stage: RolloutStage): Scenario {
  const extras =
    stage === '6D'
      ? ', retry Phase 1'
      : stage === '6E'
        ? ', retry Phase 2, rotate both DEKs'
        : stage === '6F'
          ? ', rotate both DEKs, restart one node with --rotate-on-startup and make it leader'
          : '';
  const steps =
    stage === '6A'
      ? 'no encryption step (mutators are off at 6A): the workload alone'
      : `${['bootstrap', ...(atLeast(stage, '6D') ? ['Phase 1'] : []), ...(atLeast(stage, '6E') ? ['Phase 2'] : [])].join(', ')}${extras}`;
  return {
    name: `stage-${stage}-steady`,
    summary: `every node at ${stage}: ${steps}`,
    faults: defaultFaults,
    targets: ['I1', 'I3', 'I4', 'I8', 'I10'],
    workload: 'rollout',
    defaults: encryptedCluster({
      timeLimitMs: 25_000 + 10_000 * rolloutStepCount(stage) + (atLeast(stage, '6E') ? 10_000 : 0),
      stages: allAt(threeNodes, stage),
    }),
    program: (context) => {
      const b = new ProgramBuilder(context.random);
      rolloutUpTo(b, stage);
      if (stage === '6D') retryEnable(b, 'storage');
      if (stage === '6E') retryEnable(b, 'raft');
      if (atLeast(stage, '6E')) {
        rotate(b, 'storage');
        rotate(b, 'raft');
      }
      if (stage === '6F') restartRotatingOnStartup(b, b.pick(context.nodes));
      b.await({ kind: 'caught-up' }, awaitBoundMs);
      return b.build();
    },
    expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
  };
}

function requirePrevious(stage: RolloutStage, kind: string): RolloutStage {
  const previous = previousStage(stage);
  if (previous === null) throw new RangeError(`stage ${stage} has no previous stage: no ${kind} scenario`);
  return previous;
}

/** Every node at the previous stage after its steps, a rolling upgrade to `stage` one node at a time, then what `stage` newly allows. */
export function stageUpgradeScenario(stage: RolloutStage): Scenario {
  const previous = requirePrevious(stage, 'upgrade');
  return {
    name: `stage-${stage}-upgrade`,
    summary: `every node at ${previous} after the steps ${previous} allows; upgrade to ${stage} one node at a time (a mixed ${previous}/${stage} cluster in between), each catching up and registering before the next; then what ${stage} newly allows`,
    faults: 'partitions, pauses, clock skew, kills (held off during each upgrade restart)',
    targets: ['I3', 'I4', 'I9', 'B20', 'E2', 'E16'],
    workload: 'rollout',
    defaults: encryptedCluster({
      timeLimitMs: 40_000 + 10_000 * rolloutStepCount(stage),
      stages: allAt(threeNodes, previous),
    }),
    program: (context) => {
      const b = new ProgramBuilder(context.random, { min: 300, max: 1_200 });
      rolloutUpTo(b, previous);
      upgradeAll(b, context.nodes, stage, true);
      newlyPossible(b, stage, context);
      b.await({ kind: 'caught-up' }, awaitBoundMs);
      return b.build();
    },
    expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
  };
}

/**
 * The upgrade, a rolling downgrade back to the previous stage, and the
 * re-upgrade — all before `stage`'s own new step, the last point the spec
 * allows a downgrade (after it the older binary halts on the entry, or a
 * v2 snapshot/sidecar, it cannot read: spec §7.7, §7.8) — then the new step.
 */
export function stageDowngradeScenario(stage: RolloutStage): Scenario {
  const previous = requirePrevious(stage, 'downgrade');
  return {
    name: `stage-${stage}-downgrade`,
    summary: `every node at ${previous} after its steps; rolling upgrade to ${stage}, rolling downgrade back to ${previous}, rolling upgrade to ${stage} again (one node at a time, mixed clusters in between); then what ${stage} newly allows`,
    faults: 'partitions, pauses, clock skew, kills (held off during each upgrade or downgrade restart)',
    targets: ['I3', 'I4', 'I8', 'B27', 'E16'],
    workload: 'rollout',
    defaults: encryptedCluster({
      timeLimitMs: 60_000 + 10_000 * rolloutStepCount(stage),
      stages: allAt(threeNodes, previous),
    }),
    program: (context) => {
      const b = new ProgramBuilder(context.random, { min: 300, max: 1_200 });
      rolloutUpTo(b, previous);
      upgradeAll(b, context.nodes, stage, true);
      upgradeAll(b, context.nodes, previous, true);
      upgradeAll(b, context.nodes, stage, true);
      newlyPossible(b, stage, context);
      b.await({ kind: 'caught-up' }, awaitBoundMs);
      return b.build();
    },
    expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
  };
}

/** Every node at `stage` after its steps: a rolling restart (kill -9), one follower killed, the leader stopped gracefully, all nodes killed together. */
export function stageRestartsScenario(stage: RolloutStage): Scenario {
  return {
    name: `stage-${stage}-restarts`,
    summary: `every node at ${stage} after the steps ${stage} allows: a rolling restart (kill -9), one follower killed and restarted, the leader stopped gracefully and restarted, then every node killed at once and restarted — each rejoining, replaying and registering`,
    faults: defaultFaults,
    targets: ['I3', 'I4', 'I7', 'I8', 'B1', 'E16'],
    workload: 'rollout',
    defaults: encryptedCluster({
      timeLimitMs: 40_000 + 10_000 * rolloutStepCount(stage),
      stages: allAt(threeNodes, stage),
    }),
    program: (context) => {
      const b = new ProgramBuilder(context.random);
      rolloutUpTo(b, stage);
      rollingRestart(b);
      const settle = (): void => {
        // Registration first: the kill hold ends with the next await (a node restarted before it registered refuses every later start, spec §8.2).
        b.await({ kind: 'all-registered' }, awaitBoundMs);
        b.await({ kind: 'caught-up' }, awaitBoundMs);
      };
      b.step({ f: 'restart', nodes: [{ follower: true }], mode: 'kill', rolling: false }, { holdFaults: ['kill'] });
      settle();
      b.step({ f: 'restart', nodes: [{ leader: true }], mode: 'stop', rolling: false }, { holdFaults: ['kill'] });
      settle();
      b.step({ f: 'restart', nodes: 'all', mode: 'kill', rolling: false }, { holdFaults: ['kill'] });
      settle();
      return b.build();
    },
    expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
  };
}

const joiner = 'n4';

/** Every node (and the joiner) at `stage` after its steps: add a learner, promote it, make it leader, remove n1. */
export function stageMembershipScenario(stage: RolloutStage): Scenario {
  const nodes = [...threeNodes, joiner];
  return {
    name: `stage-${stage}-membership`,
    summary: `every node at ${stage} after the steps ${stage} allows: add learner ${joiner} (also ${stage}; it replays the whole log), promote it once it caught up and registered, make it leader, remove n1`,
    faults:
      'partitions, pauses, clock skew — no kills (a kill of a member that is being replaced leaves too few voters for the steps)',
    targets: ['I3', 'I6', 'I9', 'E15', 'E17'],
    workload: 'rollout',
    defaults: encryptedCluster({
      nodes,
      joiners: [joiner],
      stages: allAt(nodes, stage),
      timeLimitMs: 45_000 + 10_000 * rolloutStepCount(stage),
      nemesis: 'partition,pause,clock',
      opsPerSecond: 80,
    }),
    program: (context) => {
      const b = new ProgramBuilder(context.random);
      rolloutUpTo(b, stage);
      joinPromoteReplace(b, joiner, 'n1');
      return b.build();
    },
    expectations: () => ({ expectedHalts: [], recoveryWindowMs: 30_000, unfinishedStepsAllowed: [] }),
  };
}

/** The stages whose new step halts a node of the previous stage (spec §7.8), and the halt. */
export const heldBackHalts = {
  '6B': {
    step: 'the bootstrap',
    error: 'ErrKEKNotConfigured',
    why: 'a 6A node (applier present, no KEK) halts on the first 0x04/0x05 it applies',
  },
  '6D': {
    step: 'Phase 1',
    error: 'ErrFSMWireSubtag',
    why: 'a binary older than 6D halts on sub-tag 0x04 (the storage cutover)',
  },
  '6E': {
    step: 'Phase 2',
    error: 'ErrFSMWireSubtag',
    why: 'a binary older than 6E halts on sub-tag 0x05 (the raft cutover)',
  },
} as const satisfies Partial<
  Record<RolloutStage, { readonly step: string; readonly error: string; readonly why: string }>
>;

export type HaltingStage = keyof typeof heldBackHalts;

const heldBack = 'n3';

/** n1, n2 at `stage`, n3 held at the previous stage while `stage`'s new step runs: n3 halts as the spec requires, again after its restart, while the pair serves. */
export function stageMixedHaltScenario(stage: HaltingStage): Scenario {
  const previous = requirePrevious(stage, 'mixed-halt');
  const halt = heldBackHalts[stage];
  return {
    name: `stage-${stage}-mixed-halt`,
    summary: `n1, n2 at ${stage} and ${heldBack} held at ${previous}: ${halt.step} halts ${heldBack} (${halt.error}, spec §7.8) — again after its restart — while the pair serves`,
    faults: 'partitions, pauses, clock skew, kills',
    targets: ['I4', 'B18', 'B19', 'B20', 'E2'],
    workload: 'rollout',
    defaults: encryptedCluster({
      timeLimitMs: 30_000 + 10_000 * rolloutStepCount(previous),
      stages: { n1: stage, n2: stage, [heldBack]: previous },
    }),
    program: (context) => {
      const b = new ProgramBuilder(context.random);
      b.await({ kind: 'leader' }, awaitBoundMs);
      // The held-back node must not run the RPCs: hand leadership to an up-to-date node first.
      b.step({ f: 'transfer-leadership', to: { id: 'n1' } });
      if (atLeast(previous, '6B')) bootstrap(b);
      if (atLeast(previous, '6D')) phase1(b);
      // The new step without waiting for registrations: the held-back node never registers after it halted.
      if (stage === '6B') bootstrap(b);
      else b.step({ f: stage === '6D' ? 'enable-storage-envelope' : 'enable-raft-envelope' }, { holdFaults: ['kill'] });
      b.await({ kind: 'leader' }, awaitBoundMs);
      // The halt is deterministic: after a restart the node replays and halts at the same index.
      b.step({ f: 'restart', nodes: [{ id: heldBack }], mode: 'kill', rolling: false });
      return b.build();
    },
    expectations: () => ({
      expectedHalts: [
        { nodes: [heldBack], errors: [halt.error], reason: `spec §7.8: ${halt.why}, and again on every restart` },
      ],
      recoveryWindowMs: 20_000,
      unfinishedStepsAllowed: [],
    }),
  };
}
