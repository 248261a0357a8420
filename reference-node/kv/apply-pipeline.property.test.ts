/**
 * Property: however often a node crashes (at any point of the apply loop),
 * restarts and replays its log from the start, or is rebuilt from a snapshot,
 * it ends in exactly the state of an uninterrupted run — same values, same
 * applied index, same HLC ceiling, and the same halt index.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MemoryLevel } from 'memory-level';
import { asLogIndex, asTerm, EntryType } from '../raft/types.js';
import type { Entry } from '../raft/types.js';
import { hlcTimestamp, NodeStorage, type BinaryLevel } from '../storage/index.js';
import { ApplyPipeline } from './apply-pipeline.js';
import { encodeKvPayload, encodeLeaseRenewal, type KvRequest } from './fsm-payload.js';
import { Hlc } from './hlc.js';
import { ProposalRegistry } from './proposal-registry.js';
import { StateMachine } from './state-machine.js';
import { ManualClock, proposalEntry, rawEntry, seededRandom, text, utf8 } from './test/kv-fixture.js';

const KEYS = ['a', 'ab', 'b'];
type Step =
  | { kind: 'put'; key: number; value: number; ttl: number; ms: number }
  | { kind: 'delete'; key: number; ms: number }
  | { kind: 'cas'; key: number; expected: number | null; value: number; ms: number }
  | { kind: 'lease'; ceiling: number }
  | { kind: 'empty' }
  | { kind: 'confChange' }
  | { kind: 'halt' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      key: fc.nat(2),
      value: fc.nat(5),
      ttl: fc.constantFrom(0, 0, 30),
      ms: fc.integer({ min: 1, max: 100 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      key: fc.nat(2),
      ms: fc.integer({ min: 1, max: 100 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('cas' as const),
      key: fc.nat(2),
      expected: fc.option(fc.nat(5)),
      value: fc.nat(5),
      ms: fc.integer({ min: 1, max: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('lease' as const), ceiling: fc.integer({ min: 1, max: 10_000 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'confChange' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'halt' as const }) },
);

function toEntry(step: Step, index: number): Entry {
  const ts = (ms: number): bigint => hlcTimestamp(BigInt(ms), 0n);
  const kv = (request: KvRequest): Entry => proposalEntry(index, encodeKvPayload({ kind: 'single', request }));
  switch (step.kind) {
    case 'put':
      return kv({
        kind: 'put',
        commitTs: ts(step.ms),
        key: utf8(KEYS[step.key]!),
        value: utf8(`v${step.value}`),
        ttlMs: BigInt(step.ttl),
      });
    case 'delete':
      return kv({ kind: 'delete', commitTs: ts(step.ms), key: utf8(KEYS[step.key]!) });
    case 'cas':
      return kv({
        kind: 'compareAndSet',
        commitTs: ts(step.ms),
        key: utf8(KEYS[step.key]!),
        expected: step.expected === null ? null : utf8(`v${step.expected}`),
        newValue: utf8(`v${step.value}`),
      });
    case 'lease':
      return proposalEntry(index, encodeLeaseRenewal(step.ceiling));
    case 'empty':
      return rawEntry(index, new Uint8Array(0));
    case 'confChange':
      return { index: asLogIndex(index), term: asTerm(1), type: EntryType.ConfChange, data: utf8('conf') };
    case 'halt':
      return proposalEntry(index, Uint8Array.of(0x07));
  }
}

/** One node on a memory-level database that survives "restarts" (close + reopen of the same level). */
class SimulatedNode {
  private level: BinaryLevel = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
  storage!: NodeStorage;
  fsm!: StateMachine;
  hlc!: Hlc;
  pipeline!: ApplyPipeline;

  constructor(private readonly dataDir: string) {}

  async start(): Promise<void> {
    this.storage = await NodeStorage.open(this.dataDir, { createLevel: () => this.level });
    this.hlc = new Hlc(new ManualClock(1));
    this.fsm = new StateMachine({ store: this.storage.state, hlc: this.hlc });
    this.pipeline = new ApplyPipeline({ fsm: this.fsm, proposals: new ProposalRegistry({ random: seededRandom(3) }) });
  }

  async fresh(): Promise<void> {
    await this.storage.close();
    this.level = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
    await this.start();
  }

  async restart(): Promise<void> {
    await this.storage.close();
    await this.start();
  }

  /** Applies entries from `from`; false once halted. */
  async applyFrom(log: readonly Entry[], from: number, to: number): Promise<boolean> {
    for (const entry of log.slice(from, to)) {
      if (entry.type === EntryType.ConfChange) {
        if (this.pipeline.halted() !== null) return false;
        await this.pipeline.advanceOver(entry.index);
      } else if ((await this.pipeline.applyNormalEntry(entry)).kind === 'halted') {
        return false;
      }
    }
    return true;
  }

  async state(): Promise<unknown> {
    const values: (string | null)[] = [];
    const versions: string[][] = [];
    for (const key of KEYS) {
      for (const ms of [50, 100_000])
        values.push(text(await this.fsm.get(utf8(key), hlcTimestamp(BigInt(ms), 0xffffn))));
      versions.push(
        (await this.storage.state.versions(utf8(key))).map((v) => `${v.commitTs}:${v.tombstone}:${text(v.value)}`),
      );
    }
    return {
      values,
      versions,
      maxCommitTs: this.storage.state.maxCommitTs(),
      applied: this.fsm.appliedIndex(),
      ceiling: this.hlc.ceilingMs(),
      halt: this.pipeline.halted()?.index ?? null,
    };
  }
}

type Fault = { at: number; kind: 'restart' | 'snapshot' };

describe('apply pipeline under crashes, replays and snapshot installs (property)', () => {
  it('converges to the state of an uninterrupted run', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ekv-pipeline-prop-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArb, { minLength: 1, maxLength: 20 }),
          fc.array(fc.record({ at: fc.nat(20), kind: fc.constantFrom('restart' as const, 'snapshot' as const) }), {
            maxLength: 4,
          }),
          async (steps, faults: Fault[]) => {
            run += 1;
            const log = steps.map((step, i) => toEntry(step, i + 1));
            const reference = new SimulatedNode(path.join(dir, `ref-${run}`));
            await reference.start();
            await reference.applyFrom(log, 0, log.length);
            const expected = await reference.state();
            await reference.storage.close();

            const node = new SimulatedNode(path.join(dir, `node-${run}`));
            await node.start();
            let position = 0;
            for (const fault of [...faults].sort((x, y) => x.at - y.at)) {
              const stop = Math.min(fault.at, log.length);
              if (!(await node.applyFrom(log, position, stop))) break;
              position = Math.max(position, stop);
              if (fault.kind === 'restart') {
                // Raft re-delivers every committed entry after the (absent) snapshot.
                await node.restart();
                position = 0;
              } else {
                const bytes = await node.fsm.snapshot();
                const ceiling = node.hlc.ceilingMs();
                await node.fresh();
                await node.fsm.restore(bytes);
                expect(node.hlc.ceilingMs()).toBe(ceiling);
                position = node.fsm.appliedIndex();
              }
            }
            await node.applyFrom(log, position, log.length);
            // A last restart-and-replay must change nothing (and re-halt at the same index).
            const beforeRestart = await node.state();
            await node.restart();
            await node.applyFrom(log, 0, log.length);
            const afterRestart = await node.state();
            await node.storage.close();
            expect(beforeRestart).toEqual(expected);
            expect(afterRestart).toEqual(expected);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
