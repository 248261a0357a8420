/**
 * Child process of the log store crash test. Appends synced entries forever
 * (sometimes rewriting a suffix with a higher term, as a new leader would)
 * and reports each write on stdout: `w <first> <last> <term>` before the
 * write, `a <first> <last> <term>` once it is durable. The parent SIGKILLs
 * it at a random moment and checks the reloaded log.
 */
import { asLogIndex, asNodeId, asTerm, EntryType } from '../../raft/types.js';
import type { Entry } from '../../raft/types.js';
import { NodeStorage } from '../node-storage.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: crash-writer <dataDir>');

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
    entries.push({ index: asLogIndex(index), term: asTerm(term), type: EntryType.Normal, data: new TextEncoder().encode(`entry-${index}-${term}`) });
  }
  const lastNew = first + count - 1;
  process.stdout.write(`w ${first} ${lastNew} ${term}\n`);
  await storage.log.append(entries, { term: asTerm(term), vote: asNodeId('n1'), commit: asLogIndex(lastNew) }, { sync: true });
  process.stdout.write(`a ${first} ${lastNew} ${term}\n`);
  last = lastNew;
}
