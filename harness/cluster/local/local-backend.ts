/**
 * The `local` backend (the embedded default, no Docker needed): nodes as
 * child processes on 127.0.0.1, peer links through harness-owned proxies,
 * clock skew through libfaketime when it is installed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterBackend, ClusterSpec } from '../cluster-backend.js';
import { faketimeUnavailableReason, libfaketimeDefaultPath } from './faketime.js';
import { LocalCluster } from './local-cluster.js';
import { packageRoot } from './package-root.js';

export interface LocalBackendOptions {
  /** Program + leading args that run the node; default `node <package>/bin/ekv-node.js`. */
  readonly nodeCommand?: readonly string[];
  /** libfaketime location (default: the Debian path). */
  readonly faketimeLibraryPath?: string;
  /** Preload libfaketime into the nodes (only needed when clock faults run). */
  readonly enableClock?: boolean;
}

/** A local backend whose `start` returns a LocalCluster. */
export interface LocalBackend extends ClusterBackend {
  start(spec: ClusterSpec): Promise<LocalCluster>;
}

/** Creates the local backend. */
export function createLocalBackend(options: LocalBackendOptions = {}): LocalBackend {
  const libraryPath = options.faketimeLibraryPath ?? libfaketimeDefaultPath;
  const nodeCommand = options.nodeCommand ?? [process.execPath, join(packageRoot(), 'bin', 'ekv-node.js')];
  return {
    name: 'local',
    async unavailableReason() {
      const script = nodeCommand[1];
      if (
        options.nodeCommand === undefined &&
        script !== undefined &&
        !existsSync(join(packageRoot(), 'dist', 'reference-node', 'server', 'cli', 'ekv-node.js'))
      ) {
        return 'the node is not built (dist/ is missing): run `npm run build` (npm ci does it)';
      }
      return null;
    },
    clockUnavailableReason: () => faketimeUnavailableReason(libraryPath),
    async start(spec: ClusterSpec) {
      const clockReason =
        options.enableClock === true ? await faketimeUnavailableReason(libraryPath) : 'clock not enabled';
      return LocalCluster.start(spec, { nodeCommand, faketimeLibraryPath: clockReason === null ? libraryPath : null });
    },
  };
}
