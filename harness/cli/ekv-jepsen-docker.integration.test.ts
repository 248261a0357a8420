// `ekv-jepsen test --backend docker` end to end through the binary: the
// full-rollout scenario (the KEK file and every node's sidecar live in the
// run directory, bind-mounted into the containers at the same path) with
// faults in containers is valid by every checker, leaves a complete run
// directory with every node's inspection, and afterwards no container,
// network or volume labelled with that harness process remains. Skips (saying so) when no Docker engine is reachable,
// unless EKV_REQUIRE_DOCKER=1, which makes a missing engine a failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { createDockerBackend } from '../cluster/docker/index.js';
import { packageRoot } from '../cluster/local/index.js';

const root = packageRoot();
const engineProblem = await createDockerBackend().unavailableReason();
const requireDocker = process.env['EKV_REQUIRE_DOCKER'] === '1';
if (engineProblem !== null && !requireDocker) {
  console.warn(
    `ekv-jepsen-docker.integration.test: SKIPPED — ${engineProblem}; set EKV_REQUIRE_DOCKER=1 to make this a failure`,
  );
}
const store = mkdtempSync(join(tmpdir(), 'ekv-docker-e2e-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

describe.skipIf(engineProblem !== null && !requireDocker)('ekv-jepsen test --backend docker', () => {
  it('the full rollout with partitions, kills and clock skew is valid and cleans up every labelled resource', async () => {
    if (engineProblem !== null) throw new Error(`EKV_REQUIRE_DOCKER=1 but ${engineProblem}`);
    const args = [
      'test',
      '--backend',
      'docker',
      '--scenario',
      'full-rollout',
      '--time-limit',
      '25',
      '--nemesis',
      'partition,kill,clock',
      '--seed',
      '13',
      '--store',
      store,
      '--name',
      'docker-e2e',
    ];
    const child = spawn(process.execPath, [join(root, 'bin', 'ekv-jepsen.js'), ...args], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toMatch(/^VALID — /);
    const dir = join(store, 'docker-e2e');
    const runDir = join(dir, readdirSync(dir).filter((d) => d !== 'latest')[0]!);
    for (const file of ['test.json', 'plan.jsonl', 'history.jsonl', 'history.edn', 'results.json'])
      expect(existsSync(join(runDir, file)), file).toBe(true);
    expect((JSON.parse(readFileSync(join(runDir, 'test.json'), 'utf8')) as { imageTag?: unknown }).imageTag).toMatch(
      /^ekv-node:\S+$/,
    );
    for (const node of ['n1', 'n2', 'n3']) {
      expect(existsSync(join(runDir, 'nodes', node, 'node.log')), `${node} log`).toBe(true);
      expect(existsSync(join(runDir, 'nodes', node, 'keys.json')), `${node} sidecar`).toBe(true);
      expect(readFileSync(join(runDir, 'nodes', node, 'inspect.jsonl'), 'utf8')).toMatch(/"kind":"summary"/);
    }
    const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as {
      valid: unknown;
      checkers: Record<string, { valid: unknown }>;
    };
    expect(results.valid).toBe(true);
    for (const checker of ['halt-apply', 'encryption', 'availability', 'convergence'])
      expect(results.checkers[checker]?.valid, checker).toBe(true);
    const rollout = readFileSync(join(runDir, 'history.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"process":"rollout"') && l.includes('"type":"ok"'));
    expect(rollout.some((l) => l.includes('"f":"enable-raft-envelope"'))).toBe(true);
    const docker = new Dockerode();
    const filters = JSON.stringify({ label: [`org.ekv.pid=${child.pid}`] });
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  }, 300_000);
});
