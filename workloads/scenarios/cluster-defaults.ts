/**
 * The cluster most scenarios run on: three 6F nodes, all encrypted, under
 * partitions, kills, pauses and clock skew, with canary writes in the load.
 */
import type { ScenarioDefaults } from '../../harness/scenario/index.js';

export const threeNodes = ['n1', 'n2', 'n3'] as const;

/** Defaults of a scenario on three encrypted 6F nodes; override what differs. */
export function encryptedCluster(overrides: Partial<ScenarioDefaults> = {}): ScenarioDefaults {
  const nodes = overrides.nodes ?? threeNodes;
  return {
    nodes,
    joiners: [],
    stages: {},
    encryptionNodes: nodes,
    commonNodeFlags: [],
    nemesis: 'partition,kill,pause,clock',
    timeLimitMs: 60_000,
    opsPerSecond: 50,
    concurrency: 6,
    keys: 6,
    canaryShare: 0.25,
    ...overrides,
  };
}
