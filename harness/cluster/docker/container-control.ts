/**
 * Low-level container operations with dockerode: what the backend needs after
 * testcontainers has created a container (inspect, wait for READY after a
 * `docker start`, read logs, remove by label).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { HarnessError } from '../../errors/index.js';
import { demuxDockerLogs, hasLineSince, parseDockerTimestamp } from './docker-logs.js';
import { nodeContainerPort, readyLinePattern } from './node-container.js';

/** What the backend needs to know about a container's current run. */
export interface ContainerRuntime {
  readonly running: boolean;
  readonly paused: boolean;
  /** Host pid of the container's init process (its network namespace), or null when stopped. */
  readonly pid: number | null;
  /** The container's address on the cluster network, or null when stopped. */
  readonly networkAddress: string | null;
  /** The published client port on 127.0.0.1 (changes on every start), or null when stopped. */
  readonly clientPort: number | null;
  /** StartedAt of the current run in ns since the epoch. */
  readonly startedAtNs: bigint;
}

const readyPollMs = 100;
const outputTailChars = 2_000;

/** Inspects a container and extracts its runtime facts on `networkName`. */
export async function inspectRuntime(container: Dockerode.Container, networkName: string): Promise<ContainerRuntime> {
  const info = await container.inspect();
  const running = info.State.Running;
  const binding =
    info.NetworkSettings.Ports[`${nodeContainerPort}/tcp`]?.find((b) => b.HostIp === '127.0.0.1') ?? undefined;
  const address = info.NetworkSettings.Networks[networkName]?.IPAddress;
  return {
    running,
    paused: info.State.Paused,
    pid: running && info.State.Pid > 0 ? info.State.Pid : null,
    networkAddress: running && address !== undefined && address !== '' ? address : null,
    clientPort: running && binding !== undefined ? Number(binding.HostPort) : null,
    startedAtNs: parseDockerTimestamp(info.State.StartedAt),
  };
}

/** The container's whole output so far, split by stream. */
export async function readLogs(
  container: Dockerode.Container,
  timestamps = false,
): Promise<{ stdout: string; stderr: string }> {
  const buffer = await container.logs({ stdout: true, stderr: true, follow: false, timestamps });
  return demuxDockerLogs(buffer);
}

/**
 * Waits until the container's current run (started at `startedAtNs`) prints
 * READY. Fails fast when the process exits, quoting its last output.
 */
export async function waitForReadySince(
  container: Dockerode.Container,
  nodeId: string,
  startedAtNs: bigint,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = await readLogs(container, true);
    if (hasLineSince(logs.stdout, readyLinePattern, startedAtNs)) return;
    const info = await container.inspect();
    if (!info.State.Running) {
      throw new HarnessError(
        'NODE_EXITED',
        `node ${nodeId} exited with code ${info.State.ExitCode} before READY: ${logs.stderr.slice(-outputTailChars).trim()}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new HarnessError(
        'NODE_START_FAILED',
        `node ${nodeId} did not print READY within ${timeoutMs} ms: ${logs.stderr.slice(-outputTailChars).trim()}`,
      );
    }
    await sleep(readyPollMs);
  }
}

/** Waits (bounded) until the container no longer runs, e.g. after SIGKILL. */
export async function waitForExit(container: Dockerode.Container, nodeId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await container.inspect()).State.Running) {
    if (Date.now() >= deadline)
      throw new HarnessError('NODE_EXITED', `node ${nodeId} still runs ${timeoutMs} ms after SIGKILL`);
    await sleep(readyPollMs / 2);
  }
}

/** Force-removes every container and network carrying `label=value`. Errors on single items are collected, not thrown early. */
export async function removeByLabel(docker: Dockerode, label: string, value: string): Promise<string[]> {
  const problems: string[] = [];
  const filters = { label: [`${label}=${value}`] };
  for (const summary of await docker.listContainers({ all: true, filters })) {
    try {
      await docker.getContainer(summary.Id).remove({ force: true, v: true });
    } catch (error) {
      if (!/no such container|is already in progress/i.test((error as Error).message))
        problems.push(`container ${summary.Id}: ${(error as Error).message}`);
    }
  }
  for (const network of await docker.listNetworks({ filters })) {
    try {
      await docker.getNetwork(network.Id).remove();
    } catch (error) {
      if (!/not found|no such network/i.test((error as Error).message))
        problems.push(`network ${network.Name}: ${(error as Error).message}`);
    }
  }
  return problems;
}
