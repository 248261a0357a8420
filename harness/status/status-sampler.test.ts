import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeHandle } from '../cluster/cluster-backend.js';
import type { OperatorApi } from '../client/operator-api.js';
import { StatusSampler } from './status-sampler.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('StatusSampler', () => {
  it("keeps every node's samples in time order when sampleNow() runs beside the periodic rounds", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekv-sampler-'));
    dirs.push(dir);
    const path = join(dir, 'status.jsonl');
    // Status answers that take longer and longer: a round started later can finish first unless rounds never overlap.
    let delay = 40;
    const slowRefusal = (): Promise<never> =>
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('down')), (delay = Math.max(1, delay - 7))));
    const api = {
      status: slowRefusal,
      sidecar: slowRefusal,
      classify: () => ({ name: 'Unavailable', definite: false, message: '' }),
    } as unknown as OperatorApi;
    const node = { id: 'n1', running: true, paused: false, clientAddress: '127.0.0.1:1' } as unknown as NodeHandle;
    const started = performance.now();
    const sampler = new StatusSampler({
      path,
      api,
      nodes: () => [node],
      clock: () => (performance.now() - started) * 1e6,
      periodMs: 5,
      rpcTimeoutMs: 100,
      fsyncIntervalMs: 1_000,
    });
    sampler.start();
    await Promise.all([
      sampler.sampleNow(),
      new Promise((resolve) => setTimeout(resolve, 15)).then(() => sampler.sampleNow()),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await sampler.sampleNow();
    await sampler.stop();
    const times = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { time: number }).time);
    expect(times.length).toBeGreaterThan(3);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
