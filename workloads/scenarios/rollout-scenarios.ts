/**
 * The rollout scenarios on a healthy 6F cluster: each phase on its own, the
 * whole rollout, and repeated rotations — all under partitions, kills, pauses
 * and clock skew, with the spec's operator rules (rollout-sequences.ts).
 */
import { noExpectations } from '../../checkers/artifacts/index.js';
import { ProgramBuilder } from '../../harness/scenario/index.js';
import type { Scenario } from '../../harness/scenario/index.js';
import { encryptedCluster } from './cluster-defaults.js';
import { bootstrap, phase1, phase2, retryEnable, rollingRestart, rotate } from './rollout-sequences.js';

const expectNothing = (): typeof noExpectations => noExpectations;

export const bootstrapScenario: Scenario = {
  name: 'bootstrap',
  summary: 'bootstrap the first DEK pair with every member as writer, then keep writing (Phase 0: nothing is encrypted yet)',
  faults: 'partitions, kills, pauses, clock skew (kills and pauses held off around the bootstrap: its discovery needs every member)',
  targets: ['I3', 'I4', 'B2', 'B16'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 30_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    return b.build();
  },
  expectations: expectNothing,
};

export const phase1Scenario: Scenario = {
  name: 'phase1',
  summary: 'bootstrap, enable the storage envelope (Phase 1), retry it, and write canaries that must be stored encrypted',
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered)',
  targets: ['I1', 'I3', 'I8', 'I10', 'B15', 'B16', 'B17'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 40_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    retryEnable(b, 'storage');
    return b.build();
  },
  expectations: expectNothing,
};

export const phase2Scenario: Scenario = {
  name: 'phase2',
  summary: 'bootstrap, Phase 1, enable the raft envelope (Phase 2), retry it, restart every node, and write: every entry above the cutover must be wrapped',
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered)',
  targets: ['I1', 'I5', 'I3', 'I8', 'I10', 'B3', 'B4', 'B5', 'B6', 'B7', 'B10', 'E1', 'E13'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 50_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    phase2(b);
    retryEnable(b, 'raft');
    rollingRestart(b);
    return b.build();
  },
  expectations: expectNothing,
};

export const fullRolloutScenario: Scenario = {
  name: 'full-rollout',
  summary: 'bootstrap → Phase 1 → Phase 2 → rotate the storage DEK → rotate the raft DEK → restart every node, under load with canaries',
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered after each cutover and rotation)',
  targets: ['I1', 'I2', 'I3', 'I5', 'I8', 'I10', 'B7', 'B8', 'B9', 'B13', 'E14', 'E23'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 60_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    phase2(b);
    rotate(b, 'storage');
    rotate(b, 'raft');
    rollingRestart(b);
    return b.build();
  },
  expectations: expectNothing,
};

export const rotationScenario: Scenario = {
  name: 'rotation',
  summary: 'after Phase 2, rotate the storage and the raft DEK three times each under load; new entries and values must carry the new key ids',
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered after each rotation)',
  targets: ['I2', 'I3', 'I6', 'B9', 'B14', 'E14', 'E23'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 60_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    phase2(b);
    for (let round = 0; round < 3; round += 1) {
      rotate(b, 'storage');
      rotate(b, 'raft');
    }
    return b.build();
  },
  expectations: expectNothing,
};
