/**
 * Kill -9 during the apply loop: the Raft log is synced, FSM batches are not
 * (each carries its applied index atomically). After every kill, replaying
 * the log must reproduce every acknowledged apply: the CAS chain on
 * "counter" never breaks (a lost apply would make the next CAS fail) and the
 * applied index reaches the last committed entry.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transpileForChildProcess } from '../storage/test/typescript-child.js';

const writerScript = fileURLToPath(new URL('./test/apply-writer.ts', import.meta.url));

async function runUntilKilled(nodeArguments: readonly string[], dataDir: string, killAfterMs: number): Promise<{ ready: [number, number]; acked: [number, number][] }> {
  const child = spawn(process.execPath, [...nodeArguments, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([
    new Promise<void>((resolve) => {
      const onData = (): void => {
        if (/^ready /m.test(stdout)) resolve();
      };
      child.stdout.on('data', onData);
    }),
    exited.then((code) => {
      throw new Error(`apply writer exited early (${code}): ${stderr}`);
    }),
  ]);
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  child.kill('SIGKILL');
  await exited;
  expect(stderr).toBe('');
  const pairs = (tag: string): [number, number][] =>
    [...stdout.matchAll(new RegExp(`^${tag} (\\d+) (\\d+)$`, 'gm'))].map((m) => [Number(m[1]), Number(m[2])]);
  return { ready: pairs('ready')[0]!, acked: pairs('a') };
}

describe('apply pipeline durability under SIGKILL', () => {
  it('replays the synced log to every acknowledged apply, without breaking the CAS chain', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-apply-crash-'));
    const child = await transpileForChildProcess(writerScript);
    try {
      const nodeArguments = [child.entryPoint];
      const dataDir = path.join(dir, 'node');
      let lastAcked: [number, number] = [0, 0];
      let total = 0;
      for (const killAfterMs of [200, 60, 350]) {
        const { ready, acked } = await runUntilKilled(nodeArguments, dataDir, killAfterMs);
        // At start the child replayed: it is at least at the last acknowledged index and counter.
        expect(ready[0]).toBeGreaterThanOrEqual(lastAcked[0]);
        expect(ready[1]).toBeGreaterThanOrEqual(lastAcked[1]);
        total += acked.length;
        lastAcked = acked.at(-1) ?? ready;
      }
      const { ready } = await runUntilKilled(nodeArguments, dataDir, 0);
      expect(ready[0]).toBeGreaterThanOrEqual(lastAcked[0]);
      expect(ready[1]).toBeGreaterThanOrEqual(lastAcked[1]);
      expect(total).toBeGreaterThan(10);
    } finally {
      await child.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
