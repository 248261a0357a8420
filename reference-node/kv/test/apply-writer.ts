/**
 * Child process of the apply crash test. Each round appends one entry to the
 * synced Raft log (a CAS chain on "counter", a put, or a lease renewal),
 * commits it, applies it through the pipeline (FSM batches NOT synced), and
 * journals `a <index> <counter>` once applied (after `ready <index> <counter>`
 * at start; ../../storage/test/crash-journal.ts says why a journal), printing
 * the same lines on stdout as progress. The parent SIGKILLs it after so many.
 */
import { asLogIndex, asNodeId, asTerm, EntryType } from '../../raft/types.js';
import { encodeKvPayload } from '../fsm-payload.js';
import { encodeProposal } from '../proposal-envelope.js';
import { recoverFromSnapshot, replayCommittedEntries } from '../startup-recovery.js';
import { CrashJournal } from '../../storage/test/crash-journal.js';
import { openKvNode, utf8 } from './kv-fixture.js';

const [dataDir, journalPath] = process.argv.slice(2);
if (dataDir === undefined || journalPath === undefined) throw new Error('usage: apply-writer <dataDir> <journalPath>');

const journal = new CrashJournal(journalPath);
/** Journals a line, then prints it as progress. */
function report(line: string): void {
  journal.record(line);
  process.stdout.write(`${line}\n`);
}

const node = await openKvNode(dataDir);
const loaded = await node.storage.log.load();
await recoverFromSnapshot(node.fsm, loaded.snapshot);
const replay = await replayCommittedEntries({
  pipeline: node.pipeline,
  entries: loaded.entries,
  commitIndex: loaded.hardState?.commit ?? asLogIndex(0),
  applyConfChange: async () => undefined,
});
if (replay.halt !== null) throw new Error(`unexpected halt at ${replay.halt.index}`);
let index = loaded.entries.at(-1)?.index ?? 0;
const counterText = await node.fsm.get(utf8('counter'));
let counter = counterText === null ? 0 : Number(new TextDecoder().decode(counterText));
report(`ready ${index} ${counter}`);
for (;;) {
  index += 1;
  const commitTs = node.hlc.now();
  let payload: Uint8Array;
  if (index % 5 === 0) {
    payload = node.hlc.leaseRenewalPayload(1_000);
  } else if (index % 2 === 0) {
    payload = encodeKvPayload({
      kind: 'single',
      request: { kind: 'put', commitTs, key: utf8(`k${index % 7}`), value: utf8(`v${index}`), ttlMs: 0n },
    });
  } else {
    const expected = counter === 0 ? null : utf8(String(counter));
    payload = encodeKvPayload({
      kind: 'single',
      request: { kind: 'compareAndSet', commitTs, key: utf8('counter'), expected, newValue: utf8(String(counter + 1)) },
    });
  }
  const entry = {
    index: asLogIndex(index),
    term: asTerm(1),
    type: EntryType.Normal,
    data: encodeProposal(BigInt(index), payload),
  };
  await node.storage.log.append(
    [entry],
    { term: asTerm(1), vote: asNodeId('n1'), commit: asLogIndex(index) },
    { sync: true },
  );
  const outcome = await node.pipeline.applyNormalEntry(entry);
  if (outcome.kind !== 'applied') throw new Error(`entry ${index} was not applied: ${outcome.kind}`);
  const response = outcome.response;
  if (response.kind === 'compareAndSet') {
    if (!response.succeeded) throw new Error(`CAS chain broken at ${index}: counter ${counter}`);
    counter += 1;
  }
  report(`a ${index} ${counter}`);
}
