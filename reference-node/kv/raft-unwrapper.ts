/**
 * The hook through which the encryption layer unwraps raft-envelope payloads
 * (spec §2.6, §5.5). The pipeline calls `unwrap` only for entries strictly
 * above the cutover index; a cutover of 0 means "never unwrap".
 */
import type { LogIndex } from '../raft/types.js';

/** Unwraps payloads of entries above the cutover. */
export interface RaftUnwrapper {
  /** The runtime cutover index; 0 = no cutover (inert). */
  cutoverIndex(): number;
  /** Returns the cleartext FSM payload, or throws (the pipeline halts with ErrRaftUnwrapFailed). */
  unwrap(payload: Uint8Array, index: LogIndex): Uint8Array;
}

/** Stage without a raft envelope: the cutover is 0, so nothing is ever unwrapped. */
export const inertRaftUnwrapper: RaftUnwrapper = Object.freeze({
  cutoverIndex: () => 0,
  unwrap(_payload: Uint8Array, index: LogIndex): Uint8Array {
    throw new Error(`assertion failed: unwrap called for index ${index} while the cutover is 0`);
  },
});
