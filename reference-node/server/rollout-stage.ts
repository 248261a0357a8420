/** The rollout stages a node can emulate (spec §7.1); 6F is the latest release. */
export const rolloutStages = Object.freeze(['6A', '6B', '6C', '6D', '6E', '6F'] as const);

/** One rollout stage. */
export type RolloutStage = (typeof rolloutStages)[number];

/** Parses a stage name, case-insensitive; undefined when it is not one. */
export function parseRolloutStage(text: string): RolloutStage | undefined {
  const upper = text.trim().toUpperCase();
  return (rolloutStages as readonly string[]).includes(upper) ? (upper as RolloutStage) : undefined;
}
