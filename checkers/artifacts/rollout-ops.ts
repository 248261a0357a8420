// The operator's rollout steps as ops of the "rollout" process in
// history.jsonl. Like a client op, each step is an invoke followed by one
// completion: ok (done; the value says what the node answered), fail (it
// surely did not happen: a definite error) or info (it may have happened).
// `node` names the node the step's RPC went to (or the node it restarted).
// `logIndex` is the Raft index the step's entry applied at, when the answer
// carries one.
//
// Client ops that matter to the rollout checkers:
// - canary writes: `f: "write"` on keys starting with `canaryKeyPrefix`, whose
//   values are strings of `canaryValueHexLength` random hex digits. Each value
//   is unique, so finding it in a data dir after the cutover is a plaintext
//   leak (invariant I1);
// - local reads: `f: "read-local"`, the final convergence reads of every key
//   on every node without forwarding; ok values are the value read (null =
//   absent), `logIndex` the node's applied index at the read. They are not
//   linearizable reads and never enter the linearizability check.

/** Every step the rollout process can take (the `f` of its ops). */
export const rolloutStepNames = [
  'bootstrap',
  'enable-storage-envelope',
  'enable-raft-envelope',
  'rotate-dek',
  'register-writer',
  'add-learner',
  'promote',
  'remove',
  'transfer-leadership',
  'upgrade-stage',
  'restart',
  'save-sidecar',
  'restore-sidecar',
  'roll-back-sidecar-epoch',
  'await',
] as const;

/** The `f` of a rollout op. */
export type RolloutStepName = (typeof rolloutStepNames)[number];

/** Keys of canary writes start with this. */
export const canaryKeyPrefix = 'canary-';
/** Canary values are this many lowercase hex digits (random bytes). */
export const canaryValueHexLength = 48;
/** The `f` of the final local reads. */
export const localReadF = 'read-local';

/**
 * What an ok completion of each step carries as its value, besides `step`
 * and `attempt`. Invokes carry `{ step, attempt, ...parameters }`: `step` is
 * the program's step id (s1, s2, …; every attempt of a step carries the same),
 * `attempt` counts from 1.
 */
export interface RolloutOkValues {
  /** `leftOut`: members the step's crafted writer batch left out. */
  readonly bootstrap: {
    readonly appliedIndex: number;
    readonly storageDekId: number;
    readonly raftDekId: number;
    readonly writers: number;
    readonly leftOut?: readonly string[];
  };
  readonly 'enable-storage-envelope': { readonly appliedIndex: number; readonly wasAlreadyActive: boolean };
  readonly 'enable-raft-envelope': { readonly appliedIndex: number; readonly wasAlreadyActive: boolean };
  /** `appliedIndex` is absent when the answer was lost and the rotation was confirmed from the leader's sidecar (`confirmedBy: 'sidecar'`). */
  readonly 'rotate-dek': {
    readonly appliedIndex?: number;
    readonly purpose: 'storage' | 'raft';
    readonly newDekId: number;
    readonly confirmedBy?: 'sidecar';
  };
  readonly 'register-writer': {
    readonly appliedIndex: number;
    readonly dekId: number;
    readonly writer?: string;
    readonly localEpoch?: number;
  };
  readonly 'add-learner': { readonly appliedIndex: number; readonly node: string };
  readonly promote: { readonly appliedIndex: number; readonly node: string };
  readonly remove: { readonly appliedIndex: number; readonly node: string };
  readonly 'transfer-leadership': { readonly leader: string; readonly term: number };
  /** The node restarted with another stage and/or flags. */
  readonly 'upgrade-stage': { readonly node: string; readonly stage: string; readonly flags: readonly string[] };
  /** The nodes restarted (killed with SIGKILL, or stopped, then started); `killPoint`: the test kill point their new processes were armed with. */
  readonly restart: { readonly nodes: readonly string[]; readonly mode: 'kill' | 'stop'; readonly killPoint?: string };
  /** The node's sidecar copied aside as backup `backup` (the node keeps running). */
  readonly 'save-sidecar': { readonly node: string; readonly backup: string };
  /** The node stopped, its sidecar replaced by backup `backup` (the one it replaced kept as backup `replaced`), and started. */
  readonly 'restore-sidecar': { readonly node: string; readonly backup: string; readonly replaced: string };
  /**
   * The node stopped, the local epoch of its active DEK of `purpose` lowered from `from` to `to` in its
   * sidecar (the sidecar before the edit kept as backup `replaced`), and started.
   */
  readonly 'roll-back-sidecar-epoch': {
    readonly node: string;
    readonly purpose: 'storage' | 'raft';
    readonly dekId: number;
    readonly from: number;
    readonly to: number;
    readonly replaced: string;
  };
  /** A wait for a condition that held after `waitedMs`. */
  readonly await: { readonly condition: string; readonly waitedMs: number };
}
