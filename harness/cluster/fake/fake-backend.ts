/**
 * The fake SUT as a ClusterBackend, with the NodeAccess that reaches it, for
 * harness tests and `npm run bench:harness` (an in-process "cluster" that
 * costs nothing, so the harness's own overhead is what gets measured).
 */
import type { NodeAccess } from '../../client/kv-connection.js';
import type { ClusterBackend, ClusterSpec } from '../cluster-backend.js';
import { FakeCluster } from './fake-cluster.js';

export interface FakeBackend extends ClusterBackend {
  start(spec: ClusterSpec): Promise<FakeCluster>;
  /** NodeAccess for a cluster this backend started. */
  nodeAccess(cluster: unknown): NodeAccess;
}

/** A backend whose clusters are FakeClusters (stale reads with the given probability). */
export function createFakeBackend(options: {
  readonly seed: number;
  readonly staleReadProbability: number;
}): FakeBackend {
  return {
    name: 'fake',
    unavailableReason: async () => null,
    clockUnavailableReason: async () => null,
    start: async (spec) =>
      new FakeCluster({
        nodes: spec.nodes.map((n) => n.id),
        seed: options.seed,
        staleReadProbability: options.staleReadProbability,
      }),
    nodeAccess: (cluster) => {
      if (!(cluster instanceof FakeCluster)) throw new Error('the fake backend only reaches clusters it started');
      return cluster.access();
    },
  };
}
