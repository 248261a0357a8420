/**
 * The release suites of `ekv-jepsen validate-stage`: for each rollout stage
 * 6A…6F, the entries a release at that stage must pass before it ships (each
 * a scenario of stage-suite-scenarios.ts, registered so `ekv-jepsen test
 * --scenario <name>` reproduces one alone), and for each required kind a
 * stage leaves out, why. The downgrade rule of each stage is the spec's
 * (§7.7 one-way state, §7.8 rolling-upgrade caveats): a downgrade is allowed
 * only while nothing the older binary cannot apply has been committed.
 */
import type { OmittedEntry, StageSuite, StageSuiteEntry, StageSuiteRegistry } from '../../harness/matrix/index.js';
import type { Scenario } from '../../harness/scenario/index.js';
import {
  heldBackHalts,
  previousStage,
  rolloutStages,
  stageDowngradeScenario,
  stageMembershipScenario,
  stageMixedHaltScenario,
  stageRestartsScenario,
  stageSteadyScenario,
  stageUpgradeScenario,
} from './stage-suite-scenarios.js';
import type { HaltingStage, RolloutStage } from './stage-suite-scenarios.js';

/** Per stage: what it adds, what its new step is, when a downgrade to the previous stage is still allowed and why not after. */
const stageFacts: Readonly<
  Record<
    RolloutStage,
    {
      readonly adds: string;
      readonly steps: string;
      readonly newStep: string;
      readonly downgrade: string | null;
      readonly downgradeAt: string | null;
      readonly noMixedHalt: string | null;
    }
  >
> = {
  '6A': {
    steps: 'no encryption step (mutators are off): the workload alone',
    downgradeAt: null,
    adds: 'the concrete applier in the FSM; mutators still off (no encryption step is possible)',
    newStep: 'nothing (the workload alone)',
    downgrade: null,
    noMixedHalt: '6A is the first stage of the suite: there is no older binary to mix it with',
  },
  '6B': {
    steps: 'the bootstrap',
    downgradeAt: 'before the bootstrap',
    adds: '--kek-file and --encryption-enabled: the mutators, so the bootstrap',
    newStep: 'the bootstrap',
    downgrade:
      'allowed before the bootstrap only: a 6A node (no KEK) halts with ErrKEKNotConfigured on the bootstrap entry, on every replay (spec §7.8)',
    noMixedHalt: null,
  },
  '6C': {
    steps: 'the bootstrap (the guards run at every start)',
    downgradeAt: 'after the bootstrap (before Phase 1)',
    adds: 'the startup refusal guards (spec §8.2); nothing new in the log',
    newStep: 'a rolling restart, which runs the guards on every node',
    downgrade:
      'allowed until Phase 1 (a 6B binary applies every entry 6C proposes before it; after Phase 1 it halts on sub-tag 0x04 like every pre-6D binary, spec §7.8)',
    noMixedHalt:
      '6C adds no entry a 6B node cannot apply: a mixed 6B/6C cluster has nothing to halt on (the upgrade and downgrade entries run one)',
  },
  '6D': {
    steps: 'the bootstrap, Phase 1 and its retry',
    downgradeAt: 'after the bootstrap, before Phase 1',
    adds: 'EnableStorageEnvelope, sub-tag 0x04, the capability fan-out: Phase 1',
    newStep: 'Phase 1 and its retry',
    downgrade:
      'allowed before Phase 1 only: a pre-6D binary halts on sub-tag 0x04 (ErrFSMWireSubtag), and Phase 1 is a place to dwell, not a rollback point (spec §7.7, §7.8)',
    noMixedHalt: null,
  },
  '6E': {
    steps: 'the bootstrap, Phase 1, Phase 2 and its retry, both DEKs rotated',
    downgradeAt: 'after Phase 1, before Phase 2',
    adds: 'EnableRaftEnvelope, sub-tag 0x05, the barrier, engine unwrap and proposer wrap: Phase 2',
    newStep: 'Phase 2 and its retry',
    downgrade:
      'allowed before Phase 2 only: no downgrade below 6E after Phase 2 — a pre-6E binary halts on sub-tag 0x05 and cannot unwrap the wrapped entries above the cutover (spec §7.6, §7.7, §7.8)',
    noMixedHalt: null,
  },
  '6F': {
    steps: 'the whole rollout, both DEKs rotated, a restart with --rotate-on-startup',
    downgradeAt: 'after Phase 2',
    adds: '--rotate-on-startup (optional)',
    newStep: 'a restart with --rotate-on-startup, that node then leading',
    downgrade:
      'allowed at any point, Phase 2 included: 6F adds only a startup flag, and a 6E binary applies every entry a 6F node proposes (spec §7.1, §7.9)',
    noMixedHalt:
      '6F adds no entry a 6E node cannot apply (a rotation is sub-tag 0x01, known since 6B): nothing to halt on; the upgrade and downgrade entries run the mixed cluster',
  },
};

function entry(kind: StageSuiteEntry['kind'], scenario: Scenario, proves: string, spec: string): StageSuiteEntry {
  return { name: kind, kind, scenario: scenario.name, proves, spec, options: [] };
}

function suiteOf(stage: RolloutStage): { suite: StageSuite; scenarios: Scenario[] } {
  const facts = stageFacts[stage];
  const previous = previousStage(stage);
  const scenarios: Scenario[] = [];
  const entries: StageSuiteEntry[] = [];
  const omitted: OmittedEntry[] = [];
  const add = (kind: StageSuiteEntry['kind'], scenario: Scenario, proves: string, spec: string): void => {
    scenarios.push(scenario);
    entries.push(entry(kind, scenario, proves, spec));
  };
  add(
    'steady',
    stageSteadyScenario(stage),
    `${stage} nodes alone, ${facts.steps}, under faults: linearizable, converged, no halt`,
    'encryption-rollout.md §7.1, §7.4–7.6',
  );
  if (previous === null) {
    const reason = '6A is the first stage: there is no previous stage to upgrade from or downgrade to';
    omitted.push({ kind: 'upgrade', reason }, { kind: 'downgrade', reason });
  } else {
    add(
      'upgrade',
      stageUpgradeScenario(stage),
      `a rolling upgrade ${previous} → ${stage} under faults (mixed ${previous}/${stage} in between) loses nothing; then ${facts.newStep} runs`,
      'encryption-rollout.md §7.1, §7.8',
    );
    add(
      'downgrade',
      stageDowngradeScenario(stage),
      `${previous} → ${stage} → ${previous} → ${stage} ${facts.downgradeAt ?? ''} (the last point the downgrade rule allows) keeps the cluster serving; then ${facts.newStep} runs`,
      'encryption-rollout.md §7.7, §7.8',
    );
  }
  add(
    'restarts',
    stageRestartsScenario(stage),
    `restarts at ${stage} (rolling, one follower, the leader gracefully, all at once) replay and rejoin without a halt or a refused start`,
    'encryption-rollout.md §5.4, §8',
  );
  add(
    'membership',
    stageMembershipScenario(stage),
    `add learner, promote, transfer leadership, remove at ${stage}: the joiner replays the log and registers`,
    'encryption-rollout.md §7.10, §3.4',
  );
  if (facts.noMixedHalt === null) {
    const halting = stage as HaltingStage;
    add(
      'mixed-halt',
      stageMixedHaltScenario(halting),
      `a ${previous ?? ''} node left in a ${stage} cluster halts on ${heldBackHalts[halting].step} exactly as the spec requires (${heldBackHalts[halting].error}), deterministically, while the rest serves`,
      'encryption-rollout.md §7.8',
    );
  } else omitted.push({ kind: 'mixed-halt', reason: facts.noMixedHalt });
  const downgradeRule = facts.downgrade === null ? 'no previous stage' : facts.downgrade;
  return { suite: { stage, previous, adds: facts.adds, downgradeRule, entries, omitted }, scenarios };
}

const built = rolloutStages.map(suiteOf);

/** Every stage's suite, in ladder order. */
export const stageSuiteRegistry: StageSuiteRegistry = new Map(built.map((b) => [b.suite.stage, b.suite]));

/** The scenarios the suites run (registered with the others, so `ekv-jepsen test --scenario` runs each alone). */
export const stageSuiteScenarios: readonly Scenario[] = built.flatMap((b) => b.scenarios);
