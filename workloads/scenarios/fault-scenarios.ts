/**
 * Scenarios that aim faults at the rollout's steps: kill -9 right after each
 * encryption entry applied (the restart replays it: every handler must
 * tolerate replay, spec §5.4), and leader churn during the Phase-2 cutover
 * under a high write rate (the barrier, spec §7.6).
 */
import { ProgramBuilder } from '../../harness/scenario/index.js';
import type { Scenario } from '../../harness/scenario/index.js';
import type { StepTrigger } from '../../harness/rollout/index.js';
import { encryptedCluster } from './cluster-defaults.js';
import { awaitBoundMs, bootstrap, phase1, phase2, rotate } from './rollout-sequences.js';

/** Kill `whom` `delayMs` after the step's ok, restart after `holdMs`. */
function killAfterOk(whom: 'step-node' | 'all', delayMs: number, holdMs: number): StepTrigger {
  return {
    on: 'ok',
    delayMs,
    start: { f: 'kill', target: whom === 'all' ? { nodes: ['n1', 'n2', 'n3'] } : { stepNode: true } },
    stop: { f: 'restart' },
    holdMs,
  };
}

export const restartReplayScenario: Scenario = {
  name: 'restart-replay',
  summary:
    'kill -9 right after each encryption entry applied (all nodes after the bootstrap, the proposer after Phase 1, Phase 2 and each rotation — a follower then leads on the state it applied), then restart: replays must tolerate every entry',
  faults: "kills aimed at each step's ok (0–50 ms after it), plus random partitions and pauses",
  targets: ['I4', 'I7', 'I8', 'B1', 'B4', 'B7', 'B8', 'B13', 'B25', 'B26'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 60_000, nemesis: 'partition,pause' }),
  program: (context) => {
    const b = new ProgramBuilder(context.random, { min: 1_000, max: 2_500 });
    const soon = (): number => b.delay(0, 50);
    bootstrap(b, { triggers: [killAfterOk('all', soon(), 1_500)] });
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    phase1(b, { triggers: [killAfterOk('step-node', soon(), 1_500)] });
    // Killing the proposer right after the raft cutover hands leadership to a follower that applied the marker
    // but never ran the RPC: it must wrap too (B8).
    phase2(b, { triggers: [killAfterOk('step-node', soon(), 1_500)] });
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    // After a rotation only the proposer has its row for the new DEK: killing anyone else before
    // their registration commits bricks that node (spec §8.2), so the kill aims at the proposer.
    rotate(b, 'storage', { triggers: [killAfterOk('step-node', soon(), 1_500)] });
    rotate(b, 'raft', { triggers: [killAfterOk('step-node', soon(), 1_500)] });
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
};

export const storageCutoverCrashScenario: Scenario = {
  name: 'storage-cutover-crash',
  summary:
    'one node is bootstrapped without a writer row (a crafted writer batch), so the row its own EnableStorageEnvelope carries is its first; it leads and proposes Phase 1 armed with a test kill point, SIGKILLs itself the instant its sidecar flip is durable, and is restarted: it must start (its row was registered before the flip) and rejoin',
  faults:
    "a kill -9 of the proposer inside the apply of its own storage cutover (the node's --test-kill-point, an exit the harness arranged), plus random clock skew — no partitions, pauses or random kills: leadership must stay on the armed node from the transfer to the Enable, and with it down one more kill would leave no majority",
  targets: ['I6', 'I7', 'I10', 'B15'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 30_000, nemesis: 'clock' }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    const node = b.pick(context.nodes);
    b.await({ kind: 'leader' }, awaitBoundMs);
    // Armed for this start only: the restart after the crash runs the node's own flags.
    b.step({
      f: 'restart',
      nodes: [{ id: node }],
      mode: 'stop',
      rolling: false,
      killPoint: 'after-storage-cutover-flip',
    });
    b.await({ kind: 'leader' }, awaitBoundMs);
    b.step({ f: 'bootstrap', leaveOut: [node] });
    b.step({ f: 'transfer-leadership', to: { id: node } });
    // Sent at once: the proposer row is the leader's, and only the armed node's apply dies at the flip.
    // Its answer is lost with it; the retry reaches the next leader and must find Phase 1 active (I10).
    b.step({ f: 'enable-storage-envelope' }, { pauseBeforeMs: 0 });
    // No await between: every member registered includes the armed node, which is down until this restart.
    // B15: the flip came before the proposer row, so the row died with the process and every start refuses.
    b.step({ f: 'restart', nodes: [{ id: node }], mode: 'stop', rolling: false });
    b.await({ kind: 'all-registered' }, awaitBoundMs);
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
};

/** Latency on every peer link, and a proposal timeout below one replication round trip through it. */
const slowLinkMs = 100;
const shortProposalTimeoutMs = 150;

export const rotateOnStartupSlowLinksScenario: Scenario = {
  name: 'rotate-on-startup-slow-links',
  summary: `after Phase 2, every peer link slows by ${slowLinkMs} ms while one node restarts with --rotate-on-startup and --proposal-timeout-ms ${shortProposalTimeoutMs} and is made leader: a rotation it proposes commits after its wait ended (an ambiguous failure, spec §7.9); it must retry behind a linearizable fence with a fresh DEK id, and finish once the links are fast again`,
  faults: `${slowLinkMs} ms latency on every peer link from the restart's invoke for 12 s (a replication round trip outlasts the rotating node's proposal timeout), plus random clock skew — no partitions, pauses or random kills: leadership must reach the restarted node while the links are slow`,
  targets: ['I3', 'I4', 'E22'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 40_000, nemesis: 'clock' }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    phase2(b);
    const node = b.pick(context.nodes);
    const slowLinks: StepTrigger = {
      on: 'invoke',
      delayMs: 0,
      start: { f: 'start-latency', delayMs: slowLinkMs },
      stop: { f: 'stop-latency' },
      holdMs: 12_000,
    };
    // The short timeout lasts for this process only: the rotating node's waits end before a round trip through the slow links.
    b.step(
      {
        f: 'restart',
        nodes: [{ id: node }],
        mode: 'stop',
        rolling: false,
        extraFlags: ['--rotate-on-startup', '--proposal-timeout-ms', String(shortProposalTimeoutMs)],
      },
      { holdFaults: ['kill'], triggers: [slowLinks] },
    );
    // E22: the retry skips the fence and proposes the timed-out attempt's DEK id again with other key bytes —
    // every replica that applied the first halts with ErrKeyConflict.
    b.step({ f: 'transfer-leadership', to: { id: node } }, { pauseBeforeMs: 0 });
    b.await({ kind: 'all-registered' }, awaitBoundMs);
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
};

/** A start the spec says a rolled-back sidecar must not get past (spec §3.3, the startup guards of §8). */
const rolledBackStartRefused = {
  errors: ['NODE_START_FAILED'],
  invariant: 'I2',
  why: "the restored sidecar's local epochs are below what the registry saw this node use: a start at them reuses nonces, so it must refuse (ErrLocalEpochRollback) — every time, without consuming an epoch",
};

/** A start whose raft epoch would equal the registry's last_seen for this node (spec §3.3, startup step 9). */
const raftEpochEqualRefused = {
  errors: ['NODE_START_FAILED'],
  invariant: 'I2',
  why: "the raft DEK's epoch in the sidecar went back one, so this start's bump reaches the epoch the registry saw the last load use: wrapping at it repeats (key id, nonce) pairs, so it must refuse (ErrLocalEpochRollback)",
};

export const sidecarRollbackScenario: Scenario = {
  name: 'sidecar-rollback',
  summary:
    "after Phase 2, back up one node's sidecar, restart the node (its epochs move past the backup and it re-registers), then stop it and restore the backup: its start must be refused, and refused again on a second try; then the current sidecar goes back and the node rejoins; then only its raft DEK's epoch goes back one (the start would reuse its last load's raft epoch): refused too, and the node rejoins on its own sidecar",
  faults:
    'a disk fault on a stopped node (a sidecar rolled back to an older copy), plus random partitions, pauses and clock skew — no random kills: with the restored node down, one more would leave no majority',
  targets: ['I2', 'I7', 'B23', 'E6', 'E19'],
  workload: 'rollout',
  defaults: encryptedCluster({ timeLimitMs: 50_000, nemesis: 'partition,pause,clock' }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    phase2(b);
    const node = b.pick(context.nodes);
    // No step holds kills (the scenario has none, and a hold would wait for the node it keeps down).
    b.step({ f: 'save-sidecar', node, backup: 'after-phase2' });
    b.step({ f: 'restart', nodes: [{ id: node }], mode: 'kill', rolling: false });
    b.await({ kind: 'all-registered' }, awaitBoundMs);
    b.step({ f: 'restore-sidecar', node, backup: 'after-phase2' }, { mustBeRefused: rolledBackStartRefused });
    // A refused start must leave the sidecar as it found it (E6: it consumed an epoch, and the next start got through).
    b.step(
      { f: 'restart', nodes: [{ id: node }], mode: 'stop', rolling: false },
      { mustBeRefused: rolledBackStartRefused },
    );
    b.step({ f: 'restore-sidecar', node, backup: 'replaced-by-after-phase2' });
    b.await({ kind: 'all-registered' }, awaitBoundMs);
    // A partial rollback: only the raft DEK's epoch goes back one, so the start's bump lands exactly on the
    // epoch the registry saw this node's last load use — equal is a rollback too (step 9; E19 accepts it).
    b.step({ f: 'roll-back-sidecar-epoch', node, purpose: 'raft', by: 1 }, { mustBeRefused: raftEpochEqualRefused });
    b.step({ f: 'restore-sidecar', node, backup: 'before-raft-epoch-rollback' });
    b.await({ kind: 'all-registered' }, awaitBoundMs);
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
};

export const leaderChurnScenario: Scenario = {
  name: 'leader-churn-at-cutover',
  summary:
    'Phase 2 under a high write rate: the leader is cut off from its followers 0.7–0.9 s after the EnableRaftEnvelope invoke, while a test hook holds the marker (in-flight writes and the marker proposal time out while it keeps its term: ambiguous), then killed or paused right after the cutover commits; the operator restarts a latched leader and retries until Enable answers',
  faults:
    "an isolation of the RPC's node aimed at the invoke, a seeded kill or pause of it aimed at the ok, plus random partitions, pauses and clock skew; elections take 5 s and proposals time out after 1 s, so an isolated leader keeps its term",
  targets: ['I5', 'I10', 'B6', 'B8', 'B11', 'E13'],
  workload: 'rollout',
  defaults: encryptedCluster({
    timeLimitMs: 45_000,
    opsPerSecond: 200,
    concurrency: 12,
    nemesis: 'partition,pause,clock',
    // A cut shorter than an election but longer than a proposal's deadline: the marker's propose fails
    // ambiguously on a leader that is still the leader when the cut heals (the B11 window, spec §7.6).
    // The test hook holds the marker 2 s after the barrier drained, so the cut aimed 0.7–0.9 s after
    // the invoke lands after the leadership check and the capability fan-out and before the marker,
    // whatever the machine's load (without it the window is a few milliseconds wide).
    commonNodeFlags: [
      '--election-ticks',
      '200',
      '--proposal-timeout-ms',
      '1000',
      '--test-hooks',
      '--test-raft-marker-delay-ms',
      '2000',
    ],
  }),
  program: (context) => {
    const b = new ProgramBuilder(context.random);
    bootstrap(b);
    phase1(b);
    // The cut ends 4.0–4.5 s after the invoke: after the marker's propose timed out (at most 3.5 s), before an election (5 s).
    const isolate: StepTrigger = {
      on: 'invoke',
      delayMs: b.delay(700, 900),
      start: { f: 'start-partition', shape: 'isolate-node', target: { stepNode: true } },
      stop: { f: 'stop-partition' },
      holdMs: b.delay(3_300, 3_600),
    };
    const holdMs = b.delay(1_000, 2_000);
    const afterOk: StepTrigger =
      b.pick(['kill', 'pause'] as const) === 'kill'
        ? {
            on: 'ok',
            delayMs: b.delay(0, 100),
            start: { f: 'kill', target: { stepNode: true } },
            stop: { f: 'restart' },
            holdMs,
          }
        : {
            on: 'ok',
            delayMs: b.delay(0, 100),
            start: { f: 'pause', target: { stepNode: true } },
            stop: { f: 'resume' },
            holdMs,
          };
    // No random partition meets the aimed cut (one that cut the leader before its leadership check
    // would refuse the Enable definitely, and the window would pass untested); the hold lasts until
    // every node registered, so the random partitions it defers run after it.
    phase2(b, { triggers: [isolate, afterOk], holdFaults: ['kill', 'partition'] });
    // Writes that arrived while the barrier was closed must be admitted again once it opened.
    b.await({ kind: 'caught-up' }, awaitBoundMs);
    return b.build();
  },
  expectations: () => ({ expectedHalts: [], recoveryWindowMs: 20_000, unfinishedStepsAllowed: [] }),
};
