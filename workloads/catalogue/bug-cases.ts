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

function bugCase(id: string, scenario: string, caughtBy: readonly string[], summary: string, extra: Partial<BugCase> = {}): BugCase {
  return { id, summary, scenario, options: suiteOptionsOf(scenario), caughtBy, detectedShare: defaultDetectedShare, ...extra };
}

export const bugCases: readonly BugCase[] = [
  bugCase('B3', 'phase2', safety, 'the raft envelope wraps entry.Data instead of the inner payload: the proposal id is encrypted and replicas cannot dispatch'),
  bugCase('B4', 'phase2', ['halt-apply'], 'a non-strict >= at the cutover: the plaintext marker itself is unwrapped, every replica halts'),
  bugCase('B5', 'phase2', ['availability'], 'the cutover barrier is a global gate: it blocks every proposal, the cutover deadlocks'),
  bugCase('B6', 'leader-churn-at-cutover', safety, 'no barrier at all: a cleartext proposal lands above the cutover'),
  bugCase('B7', 'phase2', safety, 'wrapOnPropose not initialised from the sidecar at startup: a restarted leader proposes cleartext after the cutover'),
  bugCase('B8', 'restart-replay', safety, 'the wrap is installed only on the leader that ran the RPC: a follower that becomes leader proposes cleartext'),
  bugCase('B11', 'leader-churn-at-cutover', [...safety, 'availability'], 'an ambiguous marker-propose error releases the barrier: the marker commits later above admitted cleartext writes'),
  bugCase('B13', 'full-rollout', safety, 'raft-cutover replay checks the stale DEK before "already active": after a raft rotation a restart never reinstalls the wrap'),
  bugCase('B16', 'phase1', ['halt-apply'], 'Wrapped == nil instead of a length check: an empty wrapped value halts the apply'),
  bugCase('H5', 'join-after-compaction', ['convergence', 'encryption'], 'hazard: a member that catches up by snapshot after the cutover was compacted never gets the DEKs or the cutover and diverges (the correct node too)', { hazard: true }),
];

/** The cases by id, in catalogue order. */
export const bugCaseRegistry: BugCaseRegistry = new Map([...bugCases].sort((a, b) => compareIds(a.id, b.id)).map((c) => [c.id, c]));
