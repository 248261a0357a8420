/**
 * Child process of the batched-apply crash test. Each round appends a group
 * of 1-4 entries to the synced Raft log (commit = the last of them), applies
 * the group as one Ready would (ApplyPipeline.applyNormalEntries: one
 * UNSYNCED store batch with the applied index), and journals
 * `a <last index> <counter> <puts>` once applied. The entry at index i is a
 * lease renewal when i % 5 == 0, a put of a fresh version of "p" when i is
 * even, else a CAS of "counter" from its value to value + 1 — so the state
 * that applying the log exactly once gives follows from the last index.
 *
 * At start it replays the log and journals
 * `ready <index> <counter> <counter versions> <p versions> <expected CAS> <expected puts> <applied index>`.
 * With `killAtRound` = R >= 0 it SIGKILLs itself right after round R's
 * journal line: after the apply batch was written and before the next log
 * append's fsync, the moment issue 14 asks about.
 */
import { asLogIndex, asNodeId, asTerm, EntryType, type Entry } from '../../raft/types.js';
import { encodeKvPayload } from '../fsm-payload.js';
import { encodeProposal } from '../proposal-envelope.js';
import { recoverFromSnapshot, replayCommittedEntries } from '../startup-recovery.js';
import { CrashJournal } from '../../storage/test/crash-journal.js';
import { openKvNode, utf8 } from './kv-fixture.js';

const [dataDir, journalPath, killAtRoundText] = process.argv.slice(2);
if (dataDir === undefined || journalPath === undefined)
  throw new Error('usage: batch-apply-writer <dataDir> <journalPath> [killAtRound]');
const killAtRound = Number(killAtRoundText ?? '-1');

const journal = new CrashJournal(journalPath);
function report(line: string): void {
  journal.record(line);
  process.stdout.write(`${line}\n`);
}

const kindOf = (index: number): 'lease' | 'put' | 'cas' =>
  index % 5 === 0 ? 'lease' : index % 2 === 0 ? 'put' : 'cas';
const countUpTo = (last: number, kind: 'put' | 'cas'): number => {
  let n = 0;
  for (let i = 1; i <= last; i += 1) if (kindOf(i) === kind) n += 1;
  return n;
};

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
let puts = (await node.storage.state.versions(utf8('p'))).length;
const counterVersions = (await node.storage.state.versions(utf8('counter'))).length;
report(
  `ready ${index} ${counter} ${counterVersions} ${puts} ${countUpTo(index, 'cas')} ${countUpTo(index, 'put')} ${node.pipeline.appliedIndex()}`,
);

for (let round = 0; ; round += 1) {
  const group: Entry[] = [];
  let proposedCounter = counter;
  for (let k = 0; k < 1 + (round % 4); k += 1) {
    index += 1;
    const commitTs = node.hlc.now();
    let payload: Uint8Array;
    if (kindOf(index) === 'lease') {
      payload = node.hlc.leaseRenewalPayload(1_000);
    } else if (kindOf(index) === 'put') {
      payload = encodeKvPayload({
        kind: 'single',
        request: { kind: 'put', commitTs, key: utf8('p'), value: utf8(`v${index}`), ttlMs: 0n },
      });
    } else {
      // Later CASes of the group expect the earlier ones' writes (read through the batch).
      const expected = proposedCounter === 0 ? null : utf8(String(proposedCounter));
      proposedCounter += 1;
      payload = encodeKvPayload({
        kind: 'single',
        request: {
          kind: 'compareAndSet',
          commitTs,
          key: utf8('counter'),
          expected,
          newValue: utf8(String(proposedCounter)),
        },
      });
    }
    group.push({
      index: asLogIndex(index),
      term: asTerm(1),
      type: EntryType.Normal,
      data: encodeProposal(BigInt(index), payload),
    });
  }
  await node.storage.log.append(
    group,
    { term: asTerm(1), vote: asNodeId('n1'), commit: asLogIndex(index) },
    { sync: true },
  );
  const outcomes = await node.pipeline.applyNormalEntries(group);
  for (const outcome of outcomes) {
    if (outcome.kind !== 'applied') throw new Error(`entry of round ${round} was not applied: ${outcome.kind}`);
    if (outcome.response.kind === 'compareAndSet') {
      if (!outcome.response.succeeded) throw new Error(`CAS chain broken at ${outcome.index}: counter ${counter}`);
      counter += 1;
    }
    if (outcome.response.kind === 'put') puts += 1;
  }
  report(`a ${index} ${counter} ${puts}`);
  if (round === killAtRound) process.kill(process.pid, 'SIGKILL');
}
