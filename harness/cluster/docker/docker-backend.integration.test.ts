/**
 * The docker backend against real reference-node containers: a 3-node
 * cluster, an isolated leader is replaced by the majority and rejoins after
 * heal, a node's wall clock skews at run time (libfaketime) while its
 * service stays fine, kill/start keeps the client address, a start with new
 * flags re-creates the node on its data, pause stops it answering,
 * artifacts are collected and stop() leaves nothing behind.
 *
 * No Docker engine reachable: skipped with a message, unless
 * EKV_REQUIRE_DOCKER=1 (CI), where that is a failure.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient, createKvClient } from '../../../reference-node/proto/index.js';
import type { ClockSkewable, Killable, Partitionable, Pausable, StartedCluster } from '../cluster-backend.js';
import { demuxDockerLogs } from './docker-logs.js';
import { createDockerBackend, type DockerNodeHandle } from './index.js';

const backend = createDockerBackend();
const engineProblem = await backend.unavailableReason();
const requireDocker = process.env['EKV_REQUIRE_DOCKER'] === '1';
if (engineProblem !== null && !requireDocker) {
  console.warn(
    `docker-backend.integration.test: SKIPPED — ${engineProblem}; set EKV_REQUIRE_DOCKER=1 to make this a failure`,
  );
}

type Cluster = StartedCluster & Killable & Pausable & Partitionable & ClockSkewable;
const convergeTimeoutMs = 30_000;
const docker = new Dockerode();
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

async function eventually<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + convergeTimeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      await sleep(200);
    }
  }
  throw new Error(
    `${what} did not succeed within ${convergeTimeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`,
  );
}

/** The leader `id` currently sees, or throws while it knows none. */
async function leaderSeenBy(cluster: Cluster, id: string): Promise<string> {
  const admin = createAdminClient(cluster.node(id).clientAddress);
  try {
    const status = await admin.status({}, { timeoutMs: 2_000 });
    if (status.leader === '') throw new Error(`${id} knows no leader`);
    return status.leader;
  } finally {
    admin.close();
  }
}

async function put(cluster: Cluster, id: string, key: string, value: string): Promise<void> {
  const client = createKvClient(cluster.node(id).clientAddress);
  try {
    await client.put({ key: bytes(key), value: bytes(value) }, { timeoutMs: 3_000 });
  } finally {
    client.close();
  }
}

/** Wall-clock ms as a fresh process inside the node's container sees it (it inherits LD_PRELOAD and FAKETIME_*). */
async function containerNow(handle: DockerNodeHandle): Promise<number> {
  const exec = await docker.getContainer(handle.containerName).exec({
    Cmd: ['node', '-e', 'process.stdout.write(String(Date.now()))'],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Number(demuxDockerLogs(Buffer.concat(chunks)).stdout);
}

describe.skipIf(engineProblem !== null && !requireDocker)('docker backend', () => {
  let cluster: Cluster;
  const runDir = mkdtempSync(join(tmpdir(), 'ekv-docker-backend-'));

  beforeAll(async () => {
    if (engineProblem !== null) throw new Error(`EKV_REQUIRE_DOCKER=1 but ${engineProblem}`);
    cluster = await backend.start({
      nodes: ['n1', 'n2', 'n3'].map((id) => ({ id, flags: [], initialVoter: true })),
      runDir,
      commonFlags: [],
      startTimeoutMs: 30_000,
    });
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(runDir, { recursive: true, force: true });
  }, 60_000);

  it('reports a node that refuses to start with its own message, and leaves nothing behind', async () => {
    const failing = mkdtempSync(join(tmpdir(), 'ekv-docker-backend-failing-'));
    try {
      const attempt = backend.start({
        nodes: [{ id: 'n1', flags: ['--bug', 'NO-SUCH-BUG'], initialVoter: true }],
        runDir: failing,
        commonFlags: [],
        startTimeoutMs: 30_000,
      });
      await expect(attempt).rejects.toThrow(/before printing READY[\s\S]*NO-SUCH-BUG/);
      const leftovers = await docker.listContainers({ all: true, filters: { label: [`org.ekv.pid=${process.pid}`] } });
      // Only the shared cluster of this file may remain.
      const shared = (cluster.node('n1') as DockerNodeHandle).containerName.replace(/n1$/, '');
      expect(
        leftovers
          .flatMap((c) => c.Names)
          .map((name) => name.replace(/^\//, ''))
          .sort(),
      ).toEqual(['n1', 'n2', 'n3'].map((id) => `${shared}${id}`));
      const networks = await docker.listNetworks({ filters: { label: [`org.ekv.pid=${process.pid}`] } });
      expect(networks.map((network) => network.Name)).toEqual([shared.replace(/-$/, '')]);
    } finally {
      rmSync(failing, { recursive: true, force: true });
    }
  }, 60_000);

  it('partitions with iptables: an isolated leader is replaced, and rejoins after heal', async () => {
    const oldLeader = await eventually('a first leader', () => leaderSeenBy(cluster, 'n1'));
    const others = ['n1', 'n2', 'n3'].filter((id) => id !== oldLeader);
    await cluster.partition(
      new Map([[oldLeader, new Set(others)], ...others.map((id) => [id, new Set([oldLeader])] as const)]),
    );
    const newLeader = await eventually('a new leader in the majority', async () => {
      const leader = await leaderSeenBy(cluster, others[0] ?? '');
      if (leader === oldLeader) throw new Error('the majority still follows the isolated leader');
      return leader;
    });
    expect(others).toContain(newLeader);
    await eventually('a write in the majority', () => put(cluster, others[0] ?? '', 'during-partition', 'x'));
    await cluster.heal();
    await eventually('the old leader follows the new term', async () => {
      const seen = await leaderSeenBy(cluster, oldLeader);
      if (seen === oldLeader) throw new Error('still believes it leads');
    });
  }, 90_000);

  it("skews one node's wall clock at run time and resets it", async () => {
    const n1 = cluster.node('n1') as DockerNodeHandle;
    expect(Math.abs((await containerNow(n1)) - Date.now())).toBeLessThan(5_000);
    await cluster.setClockOffset('n1', 90_000);
    expect((await containerNow(n1)) - Date.now()).toBeGreaterThan(85_000);
    expect(Math.abs((await containerNow(cluster.node('n2') as DockerNodeHandle)) - Date.now())).toBeLessThan(5_000);
    await eventually('a write with a skewed node', () => put(cluster, 'n1', 'skewed', 'y'));
    await cluster.resetClocks();
    expect(Math.abs((await containerNow(n1)) - Date.now())).toBeLessThan(5_000);
  }, 60_000);

  it('kills, starts (also with new flags), pauses and resumes nodes, collects artifacts, and leaves nothing behind on stop', async () => {
    const before = cluster.node('n2').clientAddress;
    await cluster.kill('n2');
    expect(cluster.node('n2').running).toBe(false);
    await cluster.start('n2');
    const after = cluster.node('n2');
    expect(after.running).toBe(true);
    expect(after.clientAddress).toBe(before);
    await eventually('n2 serves again', () => leaderSeenBy(cluster, 'n2'));

    // A start with other flags (a stage upgrade) re-creates the container on the same data.
    await cluster.kill('n3');
    await cluster.start('n3', ['--stage', '6E']);
    const admin = createAdminClient(cluster.node('n3').clientAddress);
    try {
      const status = await eventually('n3 status after the flag change', () => admin.status({}, { timeoutMs: 2_000 }));
      expect(status.stage).toBe('6E');
      await cluster.pause('n3');
      expect(cluster.node('n3').paused).toBe(true);
      await expect(admin.status({}, { timeoutMs: 500 })).rejects.toThrow();
      await cluster.resume('n3');
      expect((await admin.status({}, { timeoutMs: 2_000 })).appliedIndex).toBeGreaterThan(0);
    } finally {
      admin.close();
    }

    // A node that dies without the backend's doing (an apply halt exits) shows as not running.
    await docker.getContainer((cluster.node('n1') as DockerNodeHandle).containerName).kill({ signal: 'SIGKILL' });
    await eventually('the handle to notice the death', async () => {
      if (cluster.node('n1').running) throw new Error('still shown as running');
    });
    await cluster.start('n1');
    await eventually('n1 serves again', () => leaderSeenBy(cluster, 'n1'));

    const artifacts = join(runDir, 'artifacts');
    await cluster.collectArtifacts(artifacts);
    expect(readFileSync(join(artifacts, 'n2', 'stdout.log'), 'utf8').match(/READY id=n2/g)).toHaveLength(2);
    expect(readFileSync(join(artifacts, 'n2', 'node.log'), 'utf8').length).toBeGreaterThan(0);
    expect(readdirSync(join(artifacts, 'n2', 'data')).length).toBeGreaterThan(0);

    const name = (cluster.node('n1') as DockerNodeHandle).containerName;
    await cluster.stop();
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
    expect(existsSync(join(runDir, 'nodes', 'n1', 'node.log'))).toBe(true);
  }, 90_000);
});
