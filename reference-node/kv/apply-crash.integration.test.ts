/**
 * Kill -9 during the apply loop: the Raft log is synced, FSM batches are not
 * (each carries its applied index atomically). After every kill, replaying
 * the log must reproduce every acknowledged apply: the CAS chain on
 * "counter" never breaks (a lost apply would make the next CAS fail) and the
 * applied index reaches the last committed entry. What the child
 * acknowledged is read from its journal (../storage/test/crash-journal.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUntilKilled } from '../storage/test/crash-child.js';
import { transpileForChildProcess, type TranspiledEntryPoint } from '../storage/test/typescript-child.js';

const writerScript = fileURLToPath(new URL('./test/apply-writer.ts', import.meta.url));
/** Applies to wait for before each kill; a last run killed right after its replay reads where it got to. */
const killAfterAcks = [80, 0, 150, 20];

type Progress = readonly [index: number, counter: number];

async function runUntilKilledAfter(
  entryPoint: string,
  dataDir: string,
  journalPath: string,
  acks: number,
): Promise<{ ready: Progress; acked: Progress[] }> {
  const killed = await runUntilKilled({
    nodeArguments: [entryPoint, dataDir, journalPath],
    journalPath,
    killAfterAcks: acks,
  });
  expect(killed.stderr).toBe('');
  const pairs = (tag: string): Progress[] =>
    killed.journal.flatMap((line) => {
      const match = new RegExp(`^${tag} (\\d+) (\\d+)$`).exec(line);
      return match === null ? [] : [[Number(match[1]), Number(match[2])] as const];
    });
  const acked = pairs('a');
  expect(acked.length).toBeGreaterThanOrEqual(Math.max(acks, killed.acksSeen));
  return { ready: pairs('ready')[0]!, acked };
}

describe('apply pipeline durability under SIGKILL', () => {
  // Transpiled once, outside the test's own time: on a loaded machine this alone takes seconds.
  let child: TranspiledEntryPoint | undefined;
  beforeAll(async () => {
    child = await transpileForChildProcess(writerScript);
  });
  afterAll(async () => child?.dispose());

  it('replays the synced log to every acknowledged apply, without breaking the CAS chain', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-apply-crash-'));
    try {
      const dataDir = path.join(dir, 'node');
      let lastAcked: Progress = [0, 0];
      for (const [round, acks] of [...killAfterAcks, 0].entries()) {
        const { ready, acked } = await runUntilKilledAfter(
          child!.entryPoint,
          dataDir,
          path.join(dir, `journal-${round}`),
          acks,
        );
        // At start the child replayed: it is at least at the last acknowledged index and counter.
        expect(ready[0]).toBeGreaterThanOrEqual(lastAcked[0]);
        expect(ready[1]).toBeGreaterThanOrEqual(lastAcked[1]);
        lastAcked = acked.at(-1) ?? ready;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
