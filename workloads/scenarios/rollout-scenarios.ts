/**
 * The rollout scenarios on a healthy 6F cluster: each phase on its own, the
 * whole rollout, and repeated rotations — all under partitions, kills, pauses
 * and clock skew, with the spec's operator rules (rollout-sequences.ts).
 */
import { noExpectations } from '../../checkers/artifacts/index.js';
import { ProgramBuilder } from '../../harness/scenario/index.js';
import type { Scenario } from '../../harness/scenario/index.js';
import { encryptedCluster } from './cluster-defaults.js';
import { awaitBoundMs, bootstrap, phase1, phase2, retryEnable, rollingRestart, rotate } from './rollout-sequences.js';

const expectNothing = (): typeof noExpectations => noExpectations;

export const bootstrapScenario: Scenario = {
  name: 'bootstrap',
  summary:
    'bootstrap the first DEK pair with every member as writer, then keep writing (Phase 0: nothing is encrypted yet)',
  faults:
    'partitions, kills, pauses, clock skew (kills and pauses held off around the bootstrap: its discovery needs every member)',
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
  summary:
    'bootstrap, enable the storage envelope (Phase 1), retry it, and write canaries that must be stored encrypted',
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered)',
  targets: ['I1', 'I3', 'I8', 'I10', 'B16', 'B45', 'B47'],
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

export const restartsBeforePhase2Scenario: Scenario = {
  name: 'restarts-before-phase2',
  summary:
    "bootstrap and Phase 1, then restart every node twice, one at a time (kill -9; each rejoins and re-registers before the next goes down): every start must come back, bump only the storage DEK's epoch, and never reuse a nonce",
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered, and during the restarts)',
  targets: ['I2', 'I6', 'I7', 'B25', 'B30', 'E16'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 50_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    // The second round restarts nodes whose previous start's re-registration has applied (B30's trigger).
    rollingRestart(b);
    rollingRestart(b);
    return b.build();
  },
  expectations: expectNothing,
};

/** The first local epoch the wire's 16 bits cannot carry. */
const epochOutOfRange = 0x1_0000;

/**
 * A member id whose node_id16 (the low 16 bits of its FNV-1a-64 full node id,
 * spec §1.6) equals n3's, found by search: nonces and registry rows key on
 * node_id16, so the node must refuse to add it (ErrWriterUint16Collision).
 * No process runs it: the request names a closed local port as its address.
 */
const colliding = { id: 'n24290', with: 'n3', address: '127.0.0.1:9' } as const;

export const adminRequestsScenario: Scenario = {
  name: 'admin-requests',
  summary: `bootstrap and Phase 1, then the requests a careless client or operator could send, each of which the node must refuse: a writer registration at local epoch ${epochOutOfRange} (above 0xFFFF, ErrLocalEpochOutOfRange), adding learner ${colliding.id}, whose node_id16 equals ${colliding.with}'s (ErrWriterUint16Collision), and a restart without --encryption-enabled (ErrSidecarPresentWithoutFlag); the operator's own registration, restart and writes go on`,
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered)',
  targets: ['I2', 'I3', 'I8', 'E21', 'B27', 'B37'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 40_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    const node = b.pick(context.nodes);
    b.step(
      { f: 'register-writer', node, localEpoch: epochOutOfRange },
      {
        mustBeRefused: {
          errors: ['InvalidArgument'],
          invariant: 'I2',
          why: `a local_epoch above 0xFFFF does not fit the nonce's 16 bits (spec §2.8, ErrLocalEpochOutOfRange); narrowed, ${epochOutOfRange} becomes ${epochOutOfRange % 0x1_0000} and the registry records an epoch the node has long used`,
        },
      },
    );
    b.step({ f: 'register-writer', node });
    b.step(
      { f: 'add-learner', node: colliding.id, address: colliding.address },
      {
        holdFaults: ['kill'],
        mustBeRefused: {
          errors: ['EncryptionFailedPrecondition'],
          invariant: 'I3',
          why: `${colliding.id}'s node_id16 equals ${colliding.with}'s: their registry rows and nonces would collide (spec §1.6, ErrWriterUint16Collision), and its pre-registration halts every replica that applies it`,
        },
      },
    );
    // An operator restarts a node of the encrypted cluster without --encryption-enabled, then puts it back.
    const downgraded = b.pick(context.nodes);
    b.step(
      {
        f: 'restart',
        nodes: [{ id: downgraded }],
        mode: 'stop',
        rolling: false,
        withoutFlags: ['--encryption-enabled'],
      },
      {
        holdFaults: ['kill'],
        mustBeRefused: {
          errors: ['NODE_START_FAILED'],
          invariant: 'I8',
          why: 'its sidecar says the data is encrypted: a start without the flag would serve and write cleartext, so it must refuse (ErrSidecarPresentWithoutFlag)',
        },
      },
    );
    // No hold here: a kill hold waits for every member to run, and the refused node is down.
    b.step({ f: 'restart', nodes: [{ id: downgraded }], mode: 'stop', rolling: false });
    b.await({ kind: 'all-registered' }, awaitBoundMs);
    return b.build();
  },
  expectations: expectNothing,
};

export const concurrentAdminScenario: Scenario = {
  name: 'concurrent-admin',
  summary:
    "two operators at once: EnableStorageEnvelope sent twice together, then EnableRaftEnvelope sent twice together; in each pair one call must answer was_already_active with the other's cutover index (I10)",
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered)',
  targets: ['I10', 'B46'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 40_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b, { alongside: [{ action: { f: 'enable-storage-envelope' }, delayMs: 0 }] });
    phase2(b, { alongside: [{ action: { f: 'enable-raft-envelope' }, delayMs: 0 }] });
    return b.build();
  },
  expectations: expectNothing,
};

export const phase2Scenario: Scenario = {
  name: 'phase2',
  summary:
    'bootstrap, Phase 1, enable the raft envelope (Phase 2), retry it, restart every node, and write: every entry above the cutover must be wrapped',
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered)',
  targets: ['I1', 'I5', 'I3', 'I8', 'I10', 'B3', 'B4', 'B5', 'B6', 'B7', 'B10', 'E1', 'E2', 'E5', 'E13'],
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
  summary:
    'bootstrap → Phase 1 → Phase 2 → rotate the storage DEK → rotate the raft DEK → restart every node, under load with canaries',
  faults:
    'partitions, kills, pauses, clock skew (kills held off until every node registered after each cutover and rotation)',
  targets: ['I1', 'I2', 'I3', 'I5', 'I8', 'I10', 'B7', 'B8', 'B9', 'B13', 'B24', 'E14', 'E23'],
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
  summary:
    'after Phase 2, rotate the storage and the raft DEK three times each under load, then restart every node; new entries and values must carry the new key ids, and every node must start on its rotated keys',
  faults: 'partitions, kills, pauses, clock skew (kills held off until every node registered after each rotation)',
  targets: ['I2', 'I3', 'I6', 'B9', 'B14', 'B36', 'E14', 'E23'],
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
    // Every node must start again on the keys it rotated to (B36: a sidecar epoch the registry is past).
    rollingRestart(b);
    return b.build();
  },
  expectations: expectNothing,
};
