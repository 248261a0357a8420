/**
 * Labels on every container and network the backend creates. Ryuk is off
 * (TESTCONTAINERS_RYUK_DISABLED=true), so cleanup is ours: `stop()` removes a
 * run's resources by its run label, and a new backend first removes the
 * leftovers of runs whose harness process died without cleaning up.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import type Dockerode from 'dockerode';
import { removeByLabel } from './container-control.js';

/** The label keys (values: `owner` is constant, the others per run). */
export const labelKeys = Object.freeze({
  owner: 'org.ekv.owner',
  run: 'org.ekv.run',
  node: 'org.ekv.node',
  pid: 'org.ekv.pid',
  host: 'org.ekv.host',
});

/** The owner label's value. */
export const ownerValue = 'ekv-jepsen-docker-backend';

/** Labels of one run's resources (add `labelKeys.node` per container). */
export function runLabels(runId: string): Record<string, string> {
  return {
    [labelKeys.owner]: ownerValue,
    [labelKeys.run]: runId,
    [labelKeys.pid]: String(process.pid),
    [labelKeys.host]: hostname(),
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes resources of runs started on this host by harness processes that no
 * longer exist (a crashed or SIGKILLed harness). Runs of live processes —
 * parallel test files, another harness — are left alone.
 */
export async function removeStaleRuns(docker: Dockerode): Promise<void> {
  const filters = { label: [`${labelKeys.owner}=${ownerValue}`] };
  const stale = new Set<string>();
  const candidates = [
    ...(await docker.listContainers({ all: true, filters })).map((c) => c.Labels),
    ...(await docker.listNetworks({ filters })).map((n) => n.Labels ?? {}),
  ];
  for (const labels of candidates) {
    const pid = Number(labels[labelKeys.pid]);
    const run = labels[labelKeys.run];
    if (run === undefined || labels[labelKeys.host] !== hostname()) continue;
    if (!Number.isInteger(pid) || !processAlive(pid)) stale.add(run);
  }
  for (const run of stale) await removeByLabel(docker, labelKeys.run, run);
}

/**
 * Last resort on process exit (an exception, `process.exit`): removes a run's
 * containers and network synchronously with the docker CLI, because no
 * asynchronous work runs in an exit handler. A SIGKILLed harness leaves them
 * for {@link removeStaleRuns} of the next run.
 */
export function removeRunSync(runId: string, networkName: string): void {
  const timeout = 20_000;
  const listed = spawnSync('docker', ['ps', '--all', '--quiet', '--filter', `label=${labelKeys.run}=${runId}`], {
    encoding: 'utf8',
    timeout,
  });
  const ids = (listed.stdout ?? '').split('\n').filter((id) => id.trim() !== '');
  if (ids.length > 0) spawnSync('docker', ['rm', '--force', '--volumes', ...ids], { stdio: 'ignore', timeout });
  spawnSync('docker', ['network', 'rm', networkName], { stdio: 'ignore', timeout });
}
