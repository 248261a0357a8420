/**
 * Kill -9 durability of the log store: a child process appends synced
 * entries (and rewrites suffixes with higher terms) until it is SIGKILLed
 * somewhere in a write. Every acknowledged write must reload exactly; the
 * only other allowed state is the one in-flight write having completed too.
 * What the child acknowledged is read from its journal, not its stdout
 * (test/crash-journal.ts says why).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { NodeStorage } from './node-storage.js';
import { runUntilKilled } from './test/crash-child.js';
import { temporaryDirectory } from './test/memory-storage.js';
import { transpileForChildProcess, type TranspiledEntryPoint } from './test/typescript-child.js';

const writerScript = fileURLToPath(new URL('./test/crash-writer.ts', import.meta.url));
/** Acknowledgements to wait for before each kill (0: killed right after start, during its first write). */
const killAfterAcks = [120, 0, 250, 30];

interface WriteLine {
  readonly first: number;
  readonly last: number;
  readonly term: number;
}

/** Applies one append to a model log (index → term): replaces the suffix from `first`. */
function applyWrite(model: Map<number, number>, write: WriteLine): Map<number, number> {
  const next = new Map([...model].filter(([index]) => index < write.first));
  for (let index = write.first; index <= write.last; index++) next.set(index, write.term);
  return next;
}

/** The acknowledged writes of a journal, and the write that was started but not acknowledged. */
function readJournal(journal: readonly string[]): { acked: WriteLine[]; inFlight: WriteLine | null } {
  const acked: WriteLine[] = [];
  let inFlight: WriteLine | null = null;
  for (const line of journal) {
    const match = /^([wa]) (\d+) (\d+) (\d+)$/.exec(line);
    if (match === null) throw new Error(`malformed journal line ${JSON.stringify(line)}`);
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
  // Transpiled once, outside the test's own time: on a loaded machine this alone takes seconds.
  let child: TranspiledEntryPoint | undefined;
  beforeAll(async () => {
    child = await transpileForChildProcess(writerScript);
  });
  afterAll(async () => child?.dispose());

  it('reloads every acknowledged (synced) entry after kill -9, round after round', async () => {
    const { dir, remove } = await temporaryDirectory('ekv-crash-');
    try {
      const dataDir = `${dir}/node`;
      let model = new Map<number, number>();
      for (const [round, acks] of killAfterAcks.entries()) {
        const journalPath = `${dir}/journal-${round}`;
        const killed = await runUntilKilled({
          nodeArguments: [child!.entryPoint, dataDir, journalPath],
          journalPath,
          killAfterAcks: acks,
        });
        expect(killed.stderr).toBe('');
        const { acked, inFlight } = readJournal(killed.journal);
        expect(acked.length).toBeGreaterThanOrEqual(Math.max(acks, killed.acksSeen));
        for (const write of acked) model = applyWrite(model, write);
        const storage = await NodeStorage.open(dataDir);
        try {
          const loaded = await storage.log.load();
          const reloaded = new Map(loaded.entries.map((entry) => [entry.index as number, entry.term as number]));
          for (const entry of loaded.entries) {
            expect(new TextDecoder().decode(entry.data)).toBe(`entry-${entry.index}-${entry.term}`);
          }
          const candidates = [model, ...(inFlight === null ? [] : [applyWrite(model, inFlight)])];
          const matches = candidates.some(
            (candidate) => JSON.stringify([...candidate]) === JSON.stringify([...reloaded]),
          );
          expect(
            matches,
            `round ${round}: reloaded ${JSON.stringify([...reloaded].slice(-5))} vs acked ${JSON.stringify([...model].slice(-5))} (in flight ${JSON.stringify(inFlight)})`,
          ).toBe(true);
          model = new Map(reloaded);
        } finally {
          await storage.close();
        }
      }
    } finally {
      await remove();
    }
  });
});
