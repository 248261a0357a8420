/**
 * The operator's sequences the scenarios are made of, following the README's
 * operator workflow and the spec's rules for when a node may be restarted:
 * kill faults are held off from before a storage cutover or a DEK rotation
 * until every node registered for the new state (spec §8.2: a node restarted
 * in between refuses every later start — ErrLocalEpochRollback, missing row),
 * and from before the bootstrap until it applied (its discovery needs every
 * member up).
 */
import type { ProgramBuilder } from '../../harness/scenario/index.js';
import type { StepOptions } from '../../harness/scenario/index.js';

/** How long an await for registrations or catch-up may take before the step counts as stuck. */
export const awaitBoundMs = 30_000;

/** Registrations and cutovers hold off faults that would restart a node in the window the spec forbids. */
const registrationHold = ['kill'] as const;

/** Waits for a leader, then bootstraps the DEKs with every capable member as writer. */
export function bootstrap(b: ProgramBuilder, options: StepOptions = {}): string {
  b.await({ kind: 'leader' }, awaitBoundMs);
  return b.step({ f: 'bootstrap' }, { holdFaults: ['kill', 'pause'], ...options });
}

/** Phase 1, then every node registered for the storage DEK. */
export function phase1(b: ProgramBuilder, options: StepOptions = {}): string {
  const id = b.step({ f: 'enable-storage-envelope' }, { holdFaults: registrationHold, ...options });
  b.await({ kind: 'all-registered' }, awaitBoundMs);
  return id;
}

/** Phase 2, then every node registered for the raft DEK. */
export function phase2(b: ProgramBuilder, options: StepOptions = {}): string {
  const id = b.step({ f: 'enable-raft-envelope' }, { holdFaults: registrationHold, ...options });
  b.await({ kind: 'all-registered' }, awaitBoundMs);
  return id;
}

/** A DEK rotation, then every node registered for the new DEK. */
export function rotate(b: ProgramBuilder, purpose: 'storage' | 'raft', options: StepOptions = {}): string {
  const id = b.step({ f: 'rotate-dek', purpose }, { holdFaults: registrationHold, ...options });
  b.await({ kind: 'all-registered' }, awaitBoundMs);
  return id;
}

/** A retried Enable: must answer OK with was_already_active and the original index (I10). */
export function retryEnable(b: ProgramBuilder, purpose: 'storage' | 'raft'): string {
  return b.step({ f: purpose === 'storage' ? 'enable-storage-envelope' : 'enable-raft-envelope' });
}

/** Restarts every node one at a time (kill -9), each rejoining before the next goes down. */
export function rollingRestart(b: ProgramBuilder): string {
  const id = b.step({ f: 'restart', nodes: 'all', mode: 'kill', rolling: true }, { holdFaults: ['kill'] });
  b.await({ kind: 'all-registered' }, awaitBoundMs);
  b.await({ kind: 'caught-up' }, awaitBoundMs);
  return id;
}

/**
 * Restarts `node` gracefully with --rotate-on-startup (6F, spec §7.9) and
 * makes it leader at once: it rotates the storage and then the raft DEK
 * before serving writes; then every node registered for the new DEKs.
 */
export function restartRotatingOnStartup(b: ProgramBuilder, node: string): string {
  const id = b.step(
    { f: 'restart', nodes: [{ id: node }], mode: 'stop', rolling: false, extraFlags: ['--rotate-on-startup'] },
    { holdFaults: ['kill'] },
  );
  b.step({ f: 'transfer-leadership', to: { id: node } }, { pauseBeforeMs: 0 });
  b.await({ kind: 'all-registered' }, awaitBoundMs);
  b.await({ kind: 'caught-up' }, awaitBoundMs);
  return id;
}
