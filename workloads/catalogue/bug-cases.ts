/**
 * The bug matrix's cases: every catalogued bug the reference node can
 * switch on (../shared/spec/bug-catalogue.md §10.B/§10.D) and every hazard
 * of the design it reproduces (§10.C), each with the scenario and options
 * that expose it and the checkers that must catch it. `ekv-jepsen bugs` runs
 * them, seed after seed, next to a control; the test suite runs each once
 * (seed 101), so every change proves the catalogue is still caught.
 */
import type { BugCase, BugCaseRegistry } from '../../harness/matrix/index.js';
import { compareIds } from '../../harness/matrix/index.js';
import { suiteOptionsOf } from '../scenarios/suite.js';

const safety = ['halt-apply', 'encryption'] as const;

/** The share of seeds a case must catch unless it declares another (the catalogue's target: 9 of 10). */
const defaultDetectedShare = 0.9;

function bugCase(
  id: string,
  scenario: string,
  caughtBy: readonly string[],
  summary: string,
  extra: Partial<BugCase> = {},
): BugCase {
  return {
    id,
    summary,
    scenario,
    options: suiteOptionsOf(scenario),
    caughtBy,
    detectedShare: defaultDetectedShare,
    ...extra,
  };
}

export const bugCases: readonly BugCase[] = [
  bugCase(
    'B3',
    'phase2',
    safety,
    'the raft envelope wraps entry.Data instead of the inner payload: the proposal id is encrypted and replicas cannot dispatch',
  ),
  bugCase(
    'B4',
    'phase2',
    ['halt-apply'],
    'a non-strict >= at the cutover: the plaintext marker itself is unwrapped, every replica halts',
  ),
  bugCase(
    'B5',
    'phase2',
    ['availability'],
    'the cutover barrier is a global gate: it blocks every proposal, the cutover deadlocks',
  ),
  bugCase('B6', 'leader-churn-at-cutover', safety, 'no barrier at all: a cleartext proposal lands above the cutover'),
  bugCase(
    'B7',
    'phase2',
    safety,
    'wrapOnPropose not initialised from the sidecar at startup: a restarted leader proposes cleartext after the cutover',
  ),
  bugCase(
    'B8',
    'restart-replay',
    safety,
    'the wrap is installed only on the leader that ran the RPC: a follower that becomes leader proposes cleartext',
  ),
  bugCase(
    'B11',
    'leader-churn-at-cutover',
    [...safety, 'availability'],
    'an ambiguous marker-propose error releases the barrier: the marker commits later above admitted cleartext writes',
  ),
  bugCase(
    'B13',
    'full-rollout',
    safety,
    'raft-cutover replay checks the stale DEK before "already active": after a raft rotation a restart never reinstalls the wrap',
  ),
  bugCase(
    'B15',
    'storage-cutover-crash',
    ['availability'],
    'Phase 1 flips the sidecar before the proposer row: a proposer killed between the two lost its row for good and refuses every later start (ErrLocalEpochRollback, no registry row)',
  ),
  bugCase(
    'B16',
    'phase1',
    ['halt-apply'],
    'Wrapped == nil instead of a length check: an empty wrapped value halts the apply',
  ),
  bugCase(
    'B1',
    'restart-replay',
    ['halt-apply'],
    'an equal-epoch registration replay is treated as a rollback: after a kill -9 right after the apply the node halts at the same index on every restart',
  ),
  bugCase(
    'B9',
    'rotation',
    safety,
    'admin entries are proposed through the raw engine after the cutover: a cleartext rotation or registration above it, every replica halts',
  ),
  bugCase(
    'B10',
    'phase2',
    safety,
    'the HLC lease renewal bypasses the wrap: a cleartext lease entry above the cutover, every replica halts',
  ),
  bugCase(
    'B21',
    'incapable-learner',
    safety,
    'the capability fan-out probes voters only: Phase 1 starts with an encryption-incapable learner in the group, which halts on the cutover entry (ErrKEKNotConfigured)',
  ),
  bugCase(
    'B23',
    'sidecar-rollback',
    ['encryption'],
    'the local_epoch rollback guards are disabled: a node whose sidecar was rolled back to an older copy starts at epochs it already used (I2)',
  ),
  bugCase(
    'B24',
    'full-rollout',
    ['encryption'],
    "the storage epoch bump placed after the engine replay: a load keeps the epoch the sidecar held, so a node restarted after writing under a DEK created in its previous load repeats that load's nonces (I2)",
  ),
  bugCase(
    'B25',
    'restart-replay',
    ['encryption'],
    'a counter nonce without an epoch: after a restart in Phase 1 nonces repeat',
  ),
  bugCase(
    'B36',
    'rotation',
    ['availability'],
    'rotation re-registration at the pinned epoch without carrying the epoch into the sidecar: the node refuses every later start (ErrLocalEpochRollback)',
  ),
  bugCase(
    'B45',
    'phase1',
    ['encryption', 'availability'],
    'a retried Enable after it succeeded is refused ("AlreadyExists") instead of answering wasAlreadyActive with the original index (I10)',
  ),
  bugCase(
    'B26',
    'restart-replay',
    ['availability'],
    'the keystore is not hydrated from the sidecar at startup: once the log is compacted past the bootstrap, a restarted node cannot unwrap and never comes back',
  ),
  bugCase(
    'B27',
    'admin-requests',
    ['encryption'],
    'no downgrade guard: a node restarted without --encryption-enabled over an existing sidecar starts (and would write cleartext) instead of refusing (I8)',
  ),
  bugCase(
    'B30',
    'restarts-before-phase2',
    ['availability'],
    'a registration counted as encryption-relevant by the sidecar-behind check: a node restarted after its re-registration applied refuses every start (ErrSidecarBehindRaftLog)',
  ),
  bugCase(
    'B37',
    'admin-requests',
    ['halt-apply', 'encryption'],
    'a node_id16 collision found only by the apply: AddLearner of an id colliding with n3 is accepted and every replica halts on its pre-registration',
  ),
  bugCase(
    'B46',
    'concurrent-admin',
    ['encryption'],
    'no cutover semaphore: two EnableStorageEnvelope calls sent together both report a fresh success (I10)',
  ),
  bugCase(
    'B47',
    'phase1',
    ['encryption'],
    'the sidecar temp file inherits the default mode: keys.json becomes readable by group and others',
  ),
  bugCase(
    'E1',
    'phase2',
    ['encryption'],
    'the raft cutover is recorded at index 0 (the applier is not given the index): entries above it stay cleartext in the WAL',
  ),
  bugCase(
    'E2',
    'phase2',
    ['encryption'],
    'Phase 2 accepted by a build that records the cutover but cannot wrap (a 6E-1 build): entries above it are cleartext',
  ),
  bugCase(
    'E5',
    'phase2',
    safety,
    'follower-forwarded writes are proposed by the leader without the wrap: every replica halts',
  ),
  bugCase(
    'E16',
    'restarts-before-phase2',
    ['encryption'],
    "the raft DEK's local epoch is bumped at every start before Phase 2: each restart burns an epoch no raft nonce used (I2)",
  ),
  bugCase(
    'E21',
    'admin-requests',
    ['encryption'],
    'the wire local_epoch is narrowed to 16 bits: a writer registration at epoch 65536 is accepted as epoch 0 instead of refused (I2)',
  ),
  bugCase(
    'E6',
    'sidecar-rollback',
    ['encryption'],
    'the local_epoch bump runs before the startup guards: every refused start of a rolled-back sidecar consumes an epoch, until a start gets through at a used one (I2)',
  ),
  bugCase(
    'E19',
    'sidecar-rollback',
    ['encryption'],
    "a start at a raft epoch equal to the registry's last_seen is accepted: a node whose sidecar's raft DEK epoch went back one starts at the epoch its last load used (I2)",
  ),
  bugCase(
    'E22',
    'rotate-on-startup-slow-links',
    ['halt-apply'],
    'a rotate-on-startup retry after an ambiguous failure proposes the same DEK id with other key bytes (and skips the fence): every replica that applied the first halts with ErrKeyConflict',
  ),
  bugCase(
    'E13',
    'phase2',
    ['availability'],
    "the barrier's begin step waits for a signal that never comes: EnableRaftEnvelope runs into its deadline, writes refused meanwhile",
  ),
  bugCase(
    'E14',
    'rotation',
    ['encryption'],
    'the wrap is not reinstalled after a raft-DEK rotation past the cutover: raft entries above the rotation keep the old key id',
  ),
  bugCase(
    'H5',
    'join-after-compaction',
    ['convergence', 'encryption'],
    'hazard: a member that catches up by snapshot after the cutover was compacted never gets the DEKs or the cutover and diverges (the correct node too)',
    { hazard: true },
  ),
];

/** The cases by id, in catalogue order. */
export const bugCaseRegistry: BugCaseRegistry = new Map(
  [...bugCases].sort((a, b) => compareIds(a.id, b.id)).map((c) => [c.id, c]),
);
