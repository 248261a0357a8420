/**
 * Kill -9 between a batched apply and the next log fsync (issue 14): the
 * Raft log is synced, the one store batch per Ready (KV mutations + applied
 * index) is not. Each child (./test/batch-apply-writer.ts) replays the log
 * at start and reports what it found; after every kill the replayed state
 * must be exactly the log applied once: no acknowledged write lost (counter
 * and versions at least what was acknowledged, applied index at the last
 * entry) and none applied twice (one MVCC version per CAS and per put in
 * the log — a re-applied entry would write another version at a new
 * timestamp). Kills come at the deterministic point (the child kills itself
 * right after a round's batch, before the next append) and at arbitrary
 * points (the parent kills after so many acknowledgements).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUntilKilled } from '../storage/test/crash-child.js';
import { transpileForChildProcess, type TranspiledEntryPoint } from '../storage/test/typescript-child.js';

const writerScript = fileURLToPath(new URL('./test/batch-apply-writer.ts', import.meta.url));

/** One run: the child kills itself after round `selfKillRound`, or the parent kills it after `parentKillAfterAcks` acknowledgements. */
type Run = { readonly selfKillRound: number } | { readonly parentKillAfterAcks: number };
const runs: readonly Run[] = [
  { selfKillRound: 0 },
  { selfKillRound: 3 },
  { parentKillAfterAcks: 40 },
  { selfKillRound: 6 },
  { selfKillRound: 1 },
  { parentKillAfterAcks: 7 },
  { selfKillRound: 2 },
  { parentKillAfterAcks: 0 },
];

async function runSelfKilled(
  entryPoint: string,
  dataDir: string,
  journalPath: string,
  round: number,
): Promise<{ journal: string[]; stderr: string; signal: string | null }> {
  const child = spawn(process.execPath, [entryPoint, dataDir, journalPath, String(round)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const signal = await new Promise<string | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
  const lines = (await readFile(journalPath, 'utf8')).split('\n');
  lines.pop();
  return { journal: lines, stderr, signal };
}

const numbers = (line: string, tag: string): number[] | null =>
  line.startsWith(`${tag} `)
    ? line
        .slice(tag.length + 1)
        .split(' ')
        .map(Number)
    : null;

describe('batched apply durability under SIGKILL between apply and the next log fsync', () => {
  let child: TranspiledEntryPoint | undefined;
  beforeAll(async () => {
    child = await transpileForChildProcess(writerScript);
  });
  afterAll(async () => child?.dispose());

  it('replays to exactly the log applied once after every kill', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-apply-batch-crash-'));
    try {
      const dataDir = path.join(dir, 'node');
      let lastAcked = { index: 0, counter: 0, puts: 0 };
      for (const [n, run] of [...runs, { parentKillAfterAcks: 0 }].entries()) {
        const journalPath = path.join(dir, `journal-${n}`);
        let journal: readonly string[];
        if ('selfKillRound' in run) {
          const killed = await runSelfKilled(child!.entryPoint, dataDir, journalPath, run.selfKillRound);
          expect(killed.stderr).toBe('');
          expect(killed.signal).toBe('SIGKILL');
          journal = killed.journal;
        } else {
          const killed = await runUntilKilled({
            nodeArguments: [child!.entryPoint, dataDir, journalPath],
            journalPath,
            killAfterAcks: run.parentKillAfterAcks,
          });
          expect(killed.stderr).toBe('');
          journal = killed.journal;
        }
        const ready = journal.map((line) => numbers(line, 'ready')).find((r) => r !== null)!;
        const [index, counter, counterVersions, putVersions, expectedCas, expectedPuts, applied] = ready as [
          number,
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        // Nothing acknowledged is lost ...
        expect(index).toBeGreaterThanOrEqual(lastAcked.index);
        expect(counter).toBeGreaterThanOrEqual(lastAcked.counter);
        expect(putVersions).toBeGreaterThanOrEqual(lastAcked.puts);
        expect(applied).toBe(index);
        // ... and every entry of the log is applied exactly once.
        expect([counter, counterVersions, putVersions]).toEqual([expectedCas, expectedCas, expectedPuts]);
        const acks = journal.map((line) => numbers(line, 'a')).filter((a) => a !== null);
        if ('selfKillRound' in run) expect(acks).toHaveLength(run.selfKillRound + 1);
        const last = acks.at(-1);
        lastAcked =
          last === undefined
            ? { index, counter, puts: putVersions }
            : { index: last[0]!, counter: last[1]!, puts: last[2]! };
      }
      // The runs got somewhere: every round's group was acknowledged and survived.
      expect(lastAcked.index).toBeGreaterThan(20);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
