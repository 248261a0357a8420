/**
 * What the nemesis does, as plan values. Random choices (which nodes, which
 * halves) are resolved when the plan is built, from the seed; choices that
 * depend on the running cluster (who leads) are resolved when the action runs
 * and recorded in the history's completion op.
 */

/** Partition shapes (Jepsen's names where they exist). */
export type PartitionShape = 'halves' | 'isolate-node' | 'isolate-leader' | 'majorities-ring' | 'bridge' | 'one-way';

/** `grudge[a]` lists the nodes whose traffic `a` does not receive (JSON form of the backend's Grudge). */
export type GrudgeRecord = Readonly<Record<string, readonly string[]>>;

/**
 * Which nodes an action touches: fixed at plan time, the leader at run time,
 * or (faults aimed at a rollout step) the node the step's RPC went to — the
 * rollout process resolves `stepNode` before it hands the action over.
 */
export type NodeTarget =
  { readonly nodes: readonly string[] } | { readonly leader: true } | { readonly stepNode: true };

/**
 * Every nemesis action; `f` becomes the op's `f` in the history. A start
 * action planned from the fault catalogue also names its fault (`fault`,
 * e.g. "kill-leader"), so results can say which requested faults ran.
 */
export type NemesisAction = NemesisActionBody & { readonly fault?: string };

type NemesisActionBody =
  /** Without a grudge: cut `target` (default the leader) from every other node. */
  | {
      readonly f: 'start-partition';
      readonly shape: PartitionShape;
      readonly grudge?: GrudgeRecord;
      readonly target?: NodeTarget;
    }
  | { readonly f: 'stop-partition' }
  | { readonly f: 'kill'; readonly target: NodeTarget }
  | { readonly f: 'restart' }
  | { readonly f: 'pause'; readonly target: NodeTarget }
  | { readonly f: 'resume' }
  | { readonly f: 'clock-bump'; readonly nodes: readonly string[]; readonly offsetMs: number }
  | {
      readonly f: 'clock-strobe';
      readonly nodes: readonly string[];
      readonly offsetMs: number;
      readonly periodMs: number;
      readonly durationMs: number;
    }
  | { readonly f: 'clock-reset' }
  | { readonly f: 'start-latency'; readonly delayMs: number }
  | { readonly f: 'stop-latency' }
  /** Resets every peer connection each period (the nodes must reconnect) until stopped. */
  | { readonly f: 'start-link-resets'; readonly periodMs: number }
  | { readonly f: 'stop-link-resets' }
  | { readonly f: 'restart-with-flags'; readonly node: string; readonly flags: readonly string[] }
  | { readonly f: 'heal-all' };

/** The `f` names of nemesis actions. */
export type NemesisActionName = NemesisAction['f'];
