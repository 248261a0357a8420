/**
 * The docker cluster backend: one container per node from the reference
 * node's image, on a user-defined network of its own, created through
 * testcontainers and controlled through dockerode (ARCHITECTURE.md "Docker
 * recipe"). No registry is reachable: the image is built locally (offline
 * base image + Dockerfile) and nothing is ever pulled.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import Dockerode from 'dockerode';
import { getContainerRuntimeClient, StartedNetwork } from 'testcontainers';
import { HarnessError } from '../../errors/index.js';
import type {
  ClockSkewable,
  ClusterBackend,
  ClusterSpec,
  Killable,
  Partitionable,
  Pausable,
  StartedCluster,
} from '../cluster-backend.js';
import { removeStaleRuns, runLabels } from './cluster-labels.js';
import { DockerCluster } from './docker-cluster.js';
import { buildNodeImageTag, describeImage, type ResolvedImage } from './node-image.js';

/** Options of {@link createDockerBackend}. */
export interface DockerBackendOptions {
  /** Run this local image instead of building the node image from the checkout (it is never pulled). */
  readonly image?: string;
  /** Progress lines (image build, kills, starts). */
  readonly log?: (line: string) => void;
}

/** Bounds of the backend (one place, STYLE.md 3). */
export const dockerBackendDefaults = Object.freeze({ pingTimeoutMs: 5_000 });

const nodeIdPattern = /^[a-z0-9][a-z0-9_-]{0,31}$/;

function onPath(command: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * testcontainers reads its configuration from the environment. Ryuk (its
 * reaper container) would have to be pulled, and the engine's host address
 * must be 127.0.0.1 so published ports are only ever reached there.
 */
function configureTestcontainers(): void {
  process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  process.env['TESTCONTAINERS_HOST_OVERRIDE'] = '127.0.0.1';
}

function validateSpec(spec: ClusterSpec): void {
  const seen = new Set<string>();
  for (const node of spec.nodes) {
    if (!nodeIdPattern.test(node.id))
      throw new HarnessError('INVALID_OPTION', `node id '${node.id}' must match ${String(nodeIdPattern)}`);
    if (seen.has(node.id)) throw new HarnessError('INVALID_OPTION', `node id '${node.id}' appears twice`);
    seen.add(node.id);
  }
  if (!spec.nodes.some((node) => node.initialVoter))
    throw new HarnessError('INVALID_OPTION', 'a cluster needs at least one initial voter');
  if (!Number.isInteger(spec.startTimeoutMs) || spec.startTimeoutMs <= 0) {
    throw new HarnessError('INVALID_OPTION', `startTimeoutMs must be a positive integer, got ${spec.startTimeoutMs}`);
  }
}

async function ping(docker: Dockerode): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`the Docker engine did not answer within ${dockerBackendDefaults.pingTimeoutMs} ms`),
      dockerBackendDefaults.pingTimeoutMs,
    );
  });
  try {
    return await Promise.race([docker.ping().then(() => null), timeout]);
  } catch (error) {
    return `no Docker engine is reachable (${(error as Error).message})`;
  } finally {
    clearTimeout(timer);
  }
}

/** Creates the run's user-defined network (labelled for cleanup) and wraps it for testcontainers. */
async function createNetwork(docker: Dockerode, runId: string): Promise<StartedNetwork> {
  const name = `ekv-${runId}`;
  const network = await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: runLabels(runId),
  });
  return new StartedNetwork(await getContainerRuntimeClient(), name, network);
}

/** The docker backend: every started cluster also skews clocks (when the image has libfaketime). */
export interface DockerClusterBackend extends ClusterBackend {
  start(spec: ClusterSpec): Promise<StartedCluster & Killable & Pausable & Partitionable & ClockSkewable>;
}

/** The docker backend. Register it as `--backend docker`. */
export function createDockerBackend(options: DockerBackendOptions = {}): DockerClusterBackend {
  const log = options.log ?? ((): void => undefined);
  const docker = new Dockerode();
  let image: Promise<ResolvedImage> | undefined;
  const resolveImage = (): Promise<ResolvedImage> => {
    image ??= (options.image !== undefined ? Promise.resolve(options.image) : buildNodeImageTag(log)).then((tag) =>
      describeImage(docker, tag),
    );
    // A failed build may succeed later (e.g. after `npm run build`): do not cache failures.
    image.catch(() => {
      image = undefined;
    });
    return image;
  };
  return {
    name: 'docker',
    async unavailableReason() {
      const reason = await ping(docker);
      if (reason !== null) return reason;
      if (options.image === undefined && !onPath('docker'))
        return 'the docker CLI (needed to build the node image) is not on PATH';
      for (const tool of ['nsenter', 'iptables-restore']) {
        if (!onPath(tool)) return `${tool} (needed for partitions) is not on PATH`;
      }
      return null;
    },
    async clockUnavailableReason() {
      const resolved = await resolveImage();
      return resolved.faketimeLibrary === null
        ? `image ${resolved.tag} has no libfaketime (EKV_FAKETIME_LIB is unset)`
        : null;
    },
    async start(spec: ClusterSpec): Promise<StartedCluster & Killable & Pausable & Partitionable & ClockSkewable> {
      validateSpec(spec);
      const reason = await ping(docker);
      if (reason !== null) throw new HarnessError('BACKEND_UNAVAILABLE', reason);
      configureTestcontainers();
      await removeStaleRuns(docker);
      const resolved = await resolveImage();
      const runId = randomBytes(4).toString('hex');
      const network = await createNetwork(docker, runId);
      log(`docker: run ${runId}: ${spec.nodes.length} nodes from ${resolved.tag} on network ${network.getName()}`);
      return DockerCluster.start({ docker, image: resolved, network, runId, spec, log });
    },
  };
}
