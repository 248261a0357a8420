/**
 * Child process of the log store crash test. Appends synced entries forever
 * (sometimes rewriting a suffix with a higher term, as a new leader would)
 * and journals each write (crash-journal.ts): `w <first> <last> <term>`
 * before the write, `a <first> <last> <term>` once it is durable; each `a`
 * line is also printed on stdout, as progress for the parent, which SIGKILLs
 * the child after so many of them and checks the reloaded log against the
 * journal.
 */
import { asLogIndex, asNodeId, asTerm, EntryType } from '../../raft/types.js';
import type { Entry } from '../../raft/types.js';
import { NodeStorage } from '../node-storage.js';
import { CrashJournal } from './crash-journal.js';

const [dataDir, journalPath] = process.argv.slice(2);
if (dataDir === undefined || journalPath === undefined) throw new Error('usage: crash-writer <dataDir> <journalPath>');

const journal = new CrashJournal(journalPath);
const storage = await NodeStorage.open(dataDir);
const loaded = await storage.log.load();
let last = loaded.entries.at(-1)?.index ?? 0;
let term = loaded.hardState?.term ?? 1;
let round = 0;
process.stdout.write('ready\n');
for (;;) {
  round += 1;
  let first = last + 1;
  if (round % 7 === 0 && last > 2) {
    term += 1;
    first = last - 1;
  }
  const count = 1 + (round % 3);
  const entries: Entry[] = [];
  for (let index = first; index < first + count; index++) {
    entries.push({
      index: asLogIndex(index),
      term: asTerm(term),
      type: EntryType.Normal,
      data: new TextEncoder().encode(`entry-${index}-${term}`),
    });
  }
  const lastNew = first + count - 1;
  journal.record(`w ${first} ${lastNew} ${term}`);
  await storage.log.append(
    entries,
    { term: asTerm(term), vote: asNodeId('n1'), commit: asLogIndex(lastNew) },
    { sync: true },
  );
  const acknowledged = `a ${first} ${lastNew} ${term}`;
  journal.record(acknowledged);
  process.stdout.write(`${acknowledged}\n`);
  last = lastNew;
}
