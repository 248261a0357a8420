/**
 * What the rollout process does, as plan values (like NemesisAction): the
 * operator's steps through the node's public API. Random choices (which node
 * to upgrade first, delays) are resolved when the plan is built, from the
 * seed; choices that depend on the running cluster (who leads, which node ran
 * the RPC) are resolved when the step runs and recorded in its completion.
 * `f` becomes the op's `f` in the history (checkers/artifacts/rollout-ops.ts).
 */
import type { RolloutStepName } from '../../checkers/artifacts/index.js';

/** A node fixed at plan time, or one resolved when the step runs. */
export type StepNode = { readonly id: string } | { readonly leader: true } | { readonly follower: true };

/** How a restart stops a node: SIGKILL (kill -9) or a graceful stop (SIGTERM). */
export type RestartMode = 'kill' | 'stop';

/** A condition the rollout process can wait for (bounded). */
export type RolloutCondition =
  /** A leader agreed by a majority. */
  | { readonly kind: 'leader' }
  /** Every running, encryption-capable member is registered for the active DEKs at its current local epoch (spec §3.4). */
  | { readonly kind: 'all-registered' }
  /** Every running member applied up to the leader's commit index as of the start of the wait. */
  | { readonly kind: 'caught-up' }
  /** The leader's newest snapshot covers the log index of an earlier step's entry (so its entry is compacted away). */
  | { readonly kind: 'snapshot-covers'; readonly step: string }
  /** The node is a member in that role. */
  | { readonly kind: 'member'; readonly node: string; readonly suffrage: 'voter' | 'learner' };

/** The node's test kill points (reference-node/server/test-kill-points.ts; the node refuses another name). */
export type TestKillPoint = 'after-bootstrap-apply' | 'after-storage-cutover-flip';

/** Every rollout action; `f` names the step in the history. */
export type RolloutAction =
  /**
   * BootstrapEncryption with fresh KEK-wrapped DEKs (storage id 1, raft id 2) and every capable member as
   * writer; `leaveOut` crafts a writer batch without those members (as if their capability probe had failed),
   * so a member's first registry row is the one its own Enable proposal carries.
   */
  | { readonly f: 'bootstrap'; readonly leaveOut?: readonly string[] }
  | { readonly f: 'enable-storage-envelope' }
  | { readonly f: 'enable-raft-envelope' }
  /** RotateDEK for a purpose: new id max(ids) + 1, a fresh DEK wrapped under the KEK. */
  | { readonly f: 'rotate-dek'; readonly purpose: 'storage' | 'raft' }
  /**
   * RegisterEncryptionWriter for `node` at its current local epoch, for the active storage DEK;
   * `localEpoch` sends that epoch instead (a crafted request, e.g. one outside the wire's 16 bits).
   */
  | { readonly f: 'register-writer'; readonly node: string; readonly localEpoch?: number }
  /**
   * AddLearner for `node` at its peer address; `address` sends that address instead, for a
   * member id no process of the cluster runs (a crafted request the node must refuse).
   */
  | { readonly f: 'add-learner'; readonly node: string; readonly address?: string }
  | { readonly f: 'promote'; readonly node: string }
  | { readonly f: 'remove'; readonly node: string }
  | { readonly f: 'transfer-leadership'; readonly to: StepNode }
  /** Restart one node as another stage (its encryption flags follow the stage: 6B and later get them). */
  | {
      readonly f: 'upgrade-stage';
      readonly node: string;
      readonly stage: string;
      readonly extraFlags?: readonly string[];
    }
  /**
   * Restart nodes: together, or one after the other waiting for each to rejoin (rolling).
   * `extraFlags` are added and `withoutFlags` (boolean flags, e.g. --encryption-enabled: an
   * operator's mistake) left out for this start only. `killPoint` arms the node's test kill point
   * for this start (`--test-hooks --test-kill-point <point>`): the process SIGKILLs itself at that
   * instant of an encryption apply, an exit the harness arranged (not counted as a crash).
   */
  | {
      readonly f: 'restart';
      readonly nodes: readonly StepNode[] | 'all';
      readonly mode: RestartMode;
      readonly rolling: boolean;
      readonly extraFlags?: readonly string[];
      readonly withoutFlags?: readonly string[];
      readonly killPoint?: TestKillPoint;
    }
  /** Copies `node`'s sidecar (keys.json) aside as backup `backup`, as an operator's backup would; the node keeps running. */
  | { readonly f: 'save-sidecar'; readonly node: string; readonly backup: string }
  /**
   * A disk fault on a stopped node: stops `node`, puts backup `backup` in place of its sidecar (the
   * sidecar it replaces is kept as backup `replaced-by-<backup>`), and starts it. A sidecar older than
   * the registry must make the start refuse (spec §3.3: ErrLocalEpochRollback).
   */
  | { readonly f: 'restore-sidecar'; readonly node: string; readonly backup: string }
  /**
   * A partial sidecar rollback on a stopped node: stops `node`, lowers the local epoch of its active
   * DEK of `purpose` by `by` in its sidecar (the unedited sidecar is kept as backup
   * `before-<purpose>-epoch-rollback`), and starts it. An epoch at or below what the registry saw the
   * node use must make the start refuse (spec §3.3, §8: ErrLocalEpochRollback; E19).
   */
  | {
      readonly f: 'roll-back-sidecar-epoch';
      readonly node: string;
      readonly purpose: 'storage' | 'raft';
      readonly by: number;
    }
  | { readonly f: 'await'; readonly condition: RolloutCondition; readonly boundMs: number };

// Every action names a documented step (the compiler keeps the two lists in step).
type AssertSteps<T extends RolloutStepName> = T;
export type RolloutActionName = AssertSteps<RolloutAction['f']>;

/** One line describing an action, for logs, progress and reports. */
export function describeAction(action: RolloutAction): string {
  switch (action.f) {
    case 'rotate-dek':
      return `rotate-dek ${action.purpose}`;
    case 'register-writer':
      return `register-writer ${action.node}${action.localEpoch === undefined ? '' : ` at local epoch ${action.localEpoch}`}`;
    case 'add-learner':
    case 'promote':
    case 'remove':
      return `${action.f} ${action.node}`;
    case 'transfer-leadership':
      return `transfer-leadership to ${describeStepNode(action.to)}`;
    case 'upgrade-stage':
      return `upgrade-stage ${action.node} → ${action.stage}`;
    case 'save-sidecar':
      return `save-sidecar ${action.node} as ${action.backup}`;
    case 'restore-sidecar':
      return `restore-sidecar ${action.node} from ${action.backup}`;
    case 'roll-back-sidecar-epoch':
      return `roll-back-sidecar-epoch ${action.node} ${action.purpose} by ${action.by}`;
    case 'restart':
      return `restart ${action.nodes === 'all' ? 'all' : action.nodes.map(describeStepNode).join(',')} (${action.mode}${action.rolling ? ', rolling' : ''}${action.killPoint === undefined ? '' : `, kill point ${action.killPoint}`})`;
    case 'await':
      return `await ${describeCondition(action.condition)}`;
    case 'bootstrap':
      return action.leaveOut === undefined || action.leaveOut.length === 0
        ? action.f
        : `bootstrap without writers ${action.leaveOut.join(',')}`;
    case 'enable-storage-envelope':
    case 'enable-raft-envelope':
      return action.f;
  }
}

/** `n2`, `leader` or `a follower`. */
export function describeStepNode(node: StepNode): string {
  return 'id' in node ? node.id : 'leader' in node ? 'leader' : 'a follower';
}

/** One line naming a condition. */
export function describeCondition(condition: RolloutCondition): string {
  switch (condition.kind) {
    case 'leader':
    case 'all-registered':
    case 'caught-up':
      return condition.kind;
    case 'snapshot-covers':
      return `snapshot covers ${condition.step}`;
    case 'member':
      return `${condition.node} is a ${condition.suffrage}`;
  }
}
