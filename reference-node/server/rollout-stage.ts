/**
 * The rollout stages a node can emulate (spec §7.1, §7.8) and the one table
 * of what each stage's binary can do. Every stage decision in the node reads
 * `stageBehaviour(config.stage)`; nothing else compares stage names.
 *
 * The ladder is cumulative: a feature arrives in one release and stays in
 * every later one, so the table is "feature → the stage that introduced it".
 * What every stage 6A..6F already has (and so is not in the table): the
 * concrete applier wired into the FSM (6A), so registrations (0x03) apply on
 * every node and a bootstrap/rotation (0x04, 0x05) on a node without a KEK
 * halts with ErrKEKNotConfigured; the read-only EncryptionAdmin RPCs (5B);
 * `--sidecar-path` (5D).
 *
 * Decisions where the spec is silent (what the real binary would do):
 * - GetCapability answers alike at every stage: `encryption_capable` is
 *   "a sidecar path is configured" ([CODE] §6, unchanged since 5D), so a 6A or
 *   6C node with a sidecar path passes a 6D+ leader's fan-out and then halts
 *   on the entry it cannot apply — the §7.8 caveat the fan-out cannot catch.
 *   `build_sha` names the stage, so the fan-out's capability summary shows
 *   which binary each member runs.
 * - An RPC a release does not have (EnableStorageEnvelope before 6D,
 *   EnableRaftEnvelope before 6E) answers UNIMPLEMENTED, as gRPC does for a
 *   method missing from the older proto; the message names the stage.
 * - Before 6C (no guards) `--encryption-enabled` without a KEK or sidecar
 *   path starts a plain node (mutators off) instead of refusing, and a
 *   sidecar that exists without the flag is ignored.
 * - Before 6E the engine has no unwrap and the proposer no wrap: a raft
 *   cutover recorded in the sidecar (a downgrade) is not installed.
 * - The later rungs 7 (registration triggers and gates) and 8a (snapshot
 *   header v2) have no stage of their own here: every stage has them
 *   wherever the encryption layer is wired, so a mixed cluster differs only
 *   in the 6A..6F features above (emulating their absence would mostly
 *   re-open the nonce hazards the catalogued bugs already reproduce).
 */

/** The rollout stages a node can emulate; 6F is the latest release. */
export const rolloutStages = Object.freeze(['6A', '6B', '6C', '6D', '6E', '6F'] as const);

/** One rollout stage. */
export type RolloutStage = (typeof rolloutStages)[number];

/** Parses a stage name, case-insensitive; undefined when it is not one. */
export function parseRolloutStage(text: string): RolloutStage | undefined {
  const upper = text.trim().toUpperCase();
  return (rolloutStages as readonly string[]).includes(upper) ? (upper as RolloutStage) : undefined;
}

/** The stage that introduced each stage-dependent capability (spec §7.1). */
const introducedIn = Object.freeze({
  /** `--encryption-enabled` and `--kek-file` exist; the KEK is threaded into the applier. */
  kekFlags: '6B',
  /** The EncryptionAdmin mutators can be wired (§6.1: still only with flag, KEK and sidecar path on this node). */
  mutators: '6B',
  /** The startup refusal guards of §8.2 (6C-1..4). */
  startupGuards: '6C',
  /** EnableStorageEnvelope, rotation sub-tag 0x04, the capability fan-out (Phase 1). */
  storageEnvelopeCutover: '6D',
  /** EnableRaftEnvelope, rotation sub-tag 0x05, the barrier, engine unwrap and proposer wrap (Phase 2). */
  raftEnvelopeCutover: '6E',
  /** `--rotate-on-startup`. */
  rotateOnStartup: '6F',
} as const satisfies Record<string, RolloutStage>);

/** A capability that arrived at some stage of the rollout. */
export type StageFeature = keyof typeof introducedIn;

/** What the binary of one stage can do: each feature is on iff the stage is at or after its introduction. */
export type StageBehaviour = { readonly stage: RolloutStage } & { readonly [F in StageFeature]: boolean };

const stageOrder = (stage: RolloutStage): number => rolloutStages.indexOf(stage);

/** The behaviour record of `stage` (frozen). */
export function stageBehaviour(stage: RolloutStage): StageBehaviour {
  const features = Object.fromEntries(
    (Object.keys(introducedIn) as StageFeature[]).map((feature) => [
      feature,
      stageOrder(stage) >= stageOrder(introducedIn[feature]),
    ]),
  ) as { [F in StageFeature]: boolean };
  return Object.freeze({ stage, ...features });
}

/** The stage that introduced `feature` (for refusals that name it). */
export function stageIntroducing(feature: StageFeature): RolloutStage {
  return introducedIn[feature];
}

/** "EnableRaftEnvelope is not available at stage 6D (introduced in 6E)"-style text. */
export function notAtStage(what: string, behaviour: StageBehaviour, feature: StageFeature): string {
  return `${what} is not available at stage ${behaviour.stage} (introduced in ${stageIntroducing(feature)})`;
}
