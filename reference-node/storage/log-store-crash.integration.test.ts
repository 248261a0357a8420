/**
 * Kill -9 durability of the log store: a child process appends synced
 * entries (and rewrites suffixes with higher terms) until it is SIGKILLed at
 * a random moment. Every acknowledged write must reload exactly; the only
 * other allowed state is the one in-flight write having completed too.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NodeStorage } from './node-storage.js';
import { temporaryDirectory } from './test/memory-storage.js';
import { transpileForChildProcess } from './test/typescript-child.js';

const writerScript = fileURLToPath(new URL('./test/crash-writer.ts', import.meta.url));

interface WriteLine { readonly first: number; readonly last: number; readonly term: number }

/** Applies one append to a model log (index → term): replaces the suffix from `first`. */
function applyWrite(model: Map<number, number>, write: WriteLine): Map<number, number> {
  const next = new Map([...model].filter(([index]) => index < write.first));
  for (let index = write.first; index <= write.last; index++) next.set(index, write.term);
  return next;
}

async function runWriterUntilKilled(
  nodeArguments: readonly string[],
  dataDir: string,
  killAfterMs: number,
): Promise<{ acked: WriteLine[]; inFlight: WriteLine | null }> {
  const child = spawn(process.execPath, [...nodeArguments, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (): void => {
      if (stdout.includes('ready\n')) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  child.kill('SIGKILL');
  await exited;
  const acked: WriteLine[] = [];
  let inFlight: WriteLine | null = null;
  for (const line of stdout.split('\n')) {
    const match = /^([wa]) (\d+) (\d+) (\d+)$/.exec(line);
    if (match === null) continue;
    const write = { first: Number(match[2]), last: Number(match[3]), term: Number(match[4]) };
    if (match[1] === 'w') inFlight = write;
    else {
      acked.push(write);
      inFlight = null;
    }
  }
  return { acked, inFlight };
}

describe('LogStore durability under SIGKILL', () => {
  it('reloads every acknowledged (synced) entry after kill -9, round after round', async () => {
    const { dir, remove } = await temporaryDirectory('ekv-crash-');
    const cleanups: (() => Promise<void>)[] = [remove];
    try {
      const child = await transpileForChildProcess(writerScript);
      cleanups.push(() => child.dispose());
      const nodeArguments = [child.entryPoint];
      const dataDir = `${dir}/node`;
      let model = new Map<number, number>();
      let totalAcked = 0;
      for (const killAfterMs of [150, 40, 300, 90]) {
        const { acked, inFlight } = await runWriterUntilKilled(nodeArguments, dataDir, killAfterMs);
        for (const write of acked) model = applyWrite(model, write);
        totalAcked += acked.length;
        const storage = await NodeStorage.open(dataDir);
        try {
          const loaded = await storage.log.load();
          const reloaded = new Map(loaded.entries.map((entry) => [entry.index as number, entry.term as number]));
          for (const entry of loaded.entries) {
            expect(new TextDecoder().decode(entry.data)).toBe(`entry-${entry.index}-${entry.term}`);
          }
          const candidates = [model, ...(inFlight === null ? [] : [applyWrite(model, inFlight)])];
          const matches = candidates.some((candidate) => JSON.stringify([...candidate]) === JSON.stringify([...reloaded]));
          expect(matches, `reloaded ${JSON.stringify([...reloaded].slice(-5))} vs acked ${JSON.stringify([...model].slice(-5))}`).toBe(true);
          model = new Map(reloaded);
        } finally {
          await storage.close();
        }
      }
      expect(totalAcked).toBeGreaterThan(10);
    } finally {
      for (const cleanup of cleanups) await cleanup();
    }
  });
});
