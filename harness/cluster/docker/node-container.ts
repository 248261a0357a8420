/**
 * Creates and starts one node's container with testcontainers, following the
 * recipe of ARCHITECTURE.md: on the cluster's user network by name
 * (`withNetwork` + `withName`, never `withNetworkAliases`, which would also
 * attach the default bridge — a path around partitions), the client port
 * published on 127.0.0.1 only, ready when the node prints its `READY` line
 * (the image has no shell tools for a port probe), no Ryuk (cleanup is ours,
 * by label).
 */
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { GenericContainer, Wait, type StartedNetwork } from 'testcontainers';
import { HarnessError } from '../../errors/index.js';

/** The port every node listens on inside its container (clients and peers). */
export const nodeContainerPort = 7000;

/** The `READY` line ekv-node prints once it serves. */
export const readyLinePattern = /^READY id=/m;

/** Everything needed to create one node's container. */
export interface NodeContainerConfig {
  readonly image: string;
  readonly network: StartedNetwork;
  readonly containerName: string;
  /**
   * The 127.0.0.1 port the client port is published on. Fixed at creation
   * (instead of Docker's random pick) so `docker start` after a kill keeps
   * the node's client address, as the local backend does.
   */
  readonly hostPort: number;
  readonly command: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The run directory (absolute), bind-mounted at the SAME path inside the
   * container: the data dir, the clock file and any file a flag names
   * (`--kek-file`, `--sidecar-path`) are valid paths on both sides, as with
   * the local backend, and survive kill/start and re-creation.
   */
  readonly runDir: string;
  /** The libfaketime spec file (under runDir), or null when clock skew is off. */
  readonly clockFile: string | null;
  /** libfaketime inside the image (LD_PRELOADed when clockFile is set). */
  readonly faketimeLibrary: string | null;
  readonly startTimeoutMs: number;
}

/** A port on 127.0.0.1 that is free right now (the kernel picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** GenericContainer whose published port binds to 127.0.0.1 only (withExposedPorts binds every interface). */
class LoopbackContainer extends GenericContainer {
  withLoopbackPort(port: number, hostPort: number): this {
    const key = `${port}/tcp`;
    const exposed: Record<string, object> = { ...this.createOpts.ExposedPorts };
    exposed[key] = {};
    this.createOpts.ExposedPorts = exposed;
    // PortBindings is typed `any` by @types/dockerode; keep ours typed.
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {
      ...(this.hostConfig.PortBindings as Record<string, { HostIp: string; HostPort: string }[]> | undefined),
    };
    bindings[key] = [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }];
    this.hostConfig.PortBindings = bindings;
    this.exposedPorts = [...this.exposedPorts, port];
    return this;
  }
}

const outputTailChars = 3_000;

function clockEnvironment(config: NodeContainerConfig): Record<string, string> {
  if (config.clockFile === null || config.faketimeLibrary === null) return {};
  return {
    LD_PRELOAD: config.faketimeLibrary,
    // Mandatory: a backwards step of the monotonic clock crashes Node.
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    FAKETIME_TIMESTAMP_FILE: config.clockFile,
    // Re-read the file on every call so a skew takes effect at once.
    FAKETIME_NO_CACHE: '1',
  };
}

/** Starts the container and waits for READY; resolves with the container id. */
export async function startNodeContainer(config: NodeContainerConfig): Promise<string> {
  let output = '';
  let logStream: Readable | undefined;
  if (config.runDir.includes(':'))
    throw new HarnessError(
      'INVALID_OPTION',
      `the run directory ${config.runDir} contains ':', which a Docker bind mount cannot express`,
    );
  const binds = [{ source: config.runDir, target: config.runDir }];
  const container = new LoopbackContainer(config.image)
    .withName(config.containerName)
    .withNetwork(config.network)
    .withLoopbackPort(nodeContainerPort, config.hostPort)
    .withCommand([...config.command])
    .withLabels({ ...config.labels })
    .withEnvironment(clockEnvironment(config))
    .withBindMounts(binds)
    .withAutoRemove(false)
    .withPullPolicy({ shouldPull: () => false })
    .withLogConsumer((stream) => {
      logStream = stream;
      stream.on('data', (chunk: Buffer | string) => {
        output = (output + chunk.toString()).slice(-outputTailChars);
      });
    })
    .withWaitStrategy(Wait.forLogMessage(readyLinePattern))
    .withStartupTimeout(config.startTimeoutMs);
  try {
    const started = await container.start();
    return started.getId();
  } catch (error) {
    throw new HarnessError(
      'NODE_START_FAILED',
      `container ${config.containerName} exited or timed out (${config.startTimeoutMs} ms) before printing READY: ${(error as Error).message}` +
        (output.trim() === '' ? '' : `\n--- its last output ---\n${output.trim()}`),
    );
  } finally {
    logStream?.destroy();
  }
}
