/**
 * Scenarios that change membership or leadership around the rollout: a
 * learner that joins after Phase 2, is promoted and made leader, then a member
 * is removed; the same after the log was compacted past the encryption
 * entries (hazard H5, expected to diverge); a learner that is not
 * encryption-capable, which must keep Phase 1 from starting until it is
 * removed (the capability gate, spec §6.4); and rotate-on-startup (6F, spec §7.9).
 */
import { ProgramBuilder } from '../../harness/scenario/index.js';
import type { Scenario } from '../../harness/scenario/index.js';
import { encryptedCluster, threeNodes } from './cluster-defaults.js';
import { awaitBoundMs, bootstrap, phase1, phase2, restartRotatingOnStartup } from './rollout-sequences.js';

const joiner = 'n4';

/** After Phase 2: add the joiner as a learner, promote it, make it leader, remove n1. */
function joinAndReplace(b: ProgramBuilder, afterCutover: (cutover: string) => void): void {
  bootstrap(b);
  phase1(b);
  const cutover = phase2(b);
  afterCutover(cutover);
  joinPromoteReplace(b, joiner, 'n1');
}

/** Adds `joiner` as a learner, promotes it once it caught up and registered, makes it leader, removes `removed`. */
export function joinPromoteReplace(b: ProgramBuilder, joiner: string, removed: string): void {
  b.step({ f: 'add-learner', node: joiner }, { holdFaults: ['kill'] });
  b.await({ kind: 'member', node: joiner, suffrage: 'learner' }, awaitBoundMs);
  b.await({ kind: 'caught-up' }, awaitBoundMs);
  b.await({ kind: 'all-registered' }, awaitBoundMs);
  b.step({ f: 'promote', node: joiner }, { holdFaults: ['kill'] });
  b.await({ kind: 'member', node: joiner, suffrage: 'voter' }, awaitBoundMs);
  b.step({ f: 'transfer-leadership', to: { id: joiner } });
  b.step({ f: 'remove', node: removed });
  b.await({ kind: 'caught-up' }, awaitBoundMs);
}

export const membershipScenario: Scenario = {
  name: 'membership',
  summary: `after Phase 2, add learner ${joiner} (it replays the whole log, the encryption entries included: no compaction happens before it joins), promote it, make it leader, remove n1`,
  faults:
    "partitions, pauses, clock skew — no kills (the membership steps hold them off, and a kill of a member that is being replaced leaves too few voters for the scenario's steps)",
  targets: ['I3', 'I6', 'I9', 'E15', 'E17'],
  workload: 'rollout',
  defaults: encryptedCluster({
    nodes: ['n1', 'n2', 'n3', joiner],
    joiners: [joiner],
    timeLimitMs: 75_000,
    nemesis: 'partition,pause,clock',
    opsPerSecond: 80,
  }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    joinAndReplace(b, () => undefined);
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 30_000, unfinishedStepsAllowed: [] }),
};

/**
 * Hazard H5 of the catalogue (spec §9.4): a member that catches up through a
 * snapshot covering the bootstrap and the cutover never receives the DEKs or
 * the cutover (the sidecar does not travel with snapshots), so in Phase 2 it
 * skips the wrapped entries and diverges. The correct node does this too: the
 * scenario's expected verdict is INVALID (convergence, encryption), and the
 * suite proves the harness sees it.
 */
export const joinAfterCompactionScenario: Scenario = {
  name: 'join-after-compaction',
  summary: `hazard H5: after Phase 2, with the log compacted past the cutover, add learner ${joiner}; it catches up by snapshot without DEKs or cutover and diverges — INVALID is the expected verdict, on the correct node too`,
  faults:
    "partitions, pauses, clock skew — no kills: once the log is compacted past a node's last encryption entry, that node refuses every restart (ErrSidecarBehindRaftLog, spec §8.2; there is no resync tool)",
  targets: ['H5'],
  workload: 'rollout',
  defaults: encryptedCluster({
    nodes: ['n1', 'n2', 'n3', joiner],
    joiners: [joiner],
    timeLimitMs: 60_000,
    // Snapshot often, so the cutover entries are compacted away before the learner joins.
    commonNodeFlags: ['--snapshot-entries', '200', '--snapshot-keep-entries', '50'],
    nemesis: 'partition,pause,clock',
    opsPerSecond: 80,
  }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    joinAndReplace(b, (cutover) => b.await({ kind: 'snapshot-covers', step: cutover }, 40_000));
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 30_000, unfinishedStepsAllowed: [] }),
};

/**
 * Why the first Phase 1 of the incapable-learner scenario must be refused
 * (spec §6.4: the fan-out probes Voters ∪ Learners, and a member without a
 * sidecar path reports encryption_capable = false).
 */
const incapableMemberRefusal = {
  errors: ['EncryptionFailedPrecondition'],
  invariant: 'I3',
  why: `learner ${joiner} runs without a sidecar path, so it is not encryption-capable: the cutover's capability fan-out covers learners as well as voters (spec §6.4), and a keyless member that applies the storage cutover halts there (ErrKEKNotConfigured) while the voters go on`,
};

/**
 * Catalogue B21 (the capability gate on voters only): learner n4 runs
 * without encryption flags (a node not yet configured, or an old binary) and
 * joins after the bootstrap. It must catch up from a snapshot that covers
 * the bootstrap entry — a keyless node that applies that entry itself halts
 * there (B20, another bug's symptom) — so the voters snapshot often and the
 * learner is added once the leader's snapshot covers it. Phase 1 is then
 * sent while the learner is a member: the correct leader refuses it, naming
 * the learner as not encryption-capable; the operator removes the learner
 * and Phase 1 goes through. With B21 the learner is never probed: the first
 * Enable succeeds (a must-be-refused request accepted) and the learner halts
 * on the cutover entry.
 */
export const incapableLearnerScenario: Scenario = {
  name: 'incapable-learner',
  summary: `learner ${joiner} without encryption flags joins after the bootstrap (by a snapshot that covers it); Phase 1 sent while it is a member must be refused (EncryptionFailedPrecondition: ${joiner} is not encryption-capable), the operator removes it, and Phase 1 then goes through`,
  faults: `clock skew only — no partitions, pauses or kills: a voter the fan-out cannot reach refuses Phase 1 on its own (the expected refusal for another reason, which would hide B21), and a new leader whose own snapshot is older than the bootstrap would send ${joiner} the bootstrap entry (it halts there: B20, not this scenario's bug)`,
  targets: ['I3', 'B21'],
  workload: 'rollout',
  defaults: encryptedCluster({
    nodes: [...threeNodes, joiner],
    joiners: [joiner],
    // Not the joiner: it starts without --encryption-enabled, --kek-file and --sidecar-path.
    encryptionNodes: threeNodes,
    timeLimitMs: 30_000,
    // Snapshot often, so a snapshot covers the bootstrap a few seconds after it.
    commonNodeFlags: ['--snapshot-entries', '100', '--snapshot-keep-entries', '20'],
    nemesis: 'clock',
  }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    const bootstrapped = bootstrap(b);
    b.await({ kind: 'snapshot-covers', step: bootstrapped }, awaitBoundMs);
    b.step({ f: 'add-learner', node: joiner });
    b.await({ kind: 'member', node: joiner, suffrage: 'learner' }, awaitBoundMs);
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    b.step({ f: 'enable-storage-envelope' }, { mustBeRefused: incapableMemberRefusal });
    // A fixed pause: with B21 the learner halts within a heartbeat of the cutover's commit, and the status
    // sampler (every 250 ms) must see that before the removal stops the process.
    b.step({ f: 'remove', node: joiner }, { pauseBeforeMs: 2_000 });
    phase1(b);
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
};

export const rotateOnStartupScenario: Scenario = {
  name: 'rotate-on-startup',
  summary:
    'after Phase 2, restart one node with --rotate-on-startup and make it leader: it rotates the storage and then the raft DEK before serving writes',
  faults: 'partitions, pauses, clock skew, kills (held off until every node registered for the rotated DEKs)',
  targets: ['I2', 'I6', 'E22', 'E23'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 50_000 }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    phase2(b);
    restartRotatingOnStartup(b, b.pick(context.nodes));
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
};
