/**
 * Rotate-on-startup's request logic against a fake core and a real sidecar
 * file: a follower keeps the request and fires it when it becomes leader;
 * storage rotates before raft with ids max+1 and the proposer's own epochs;
 * retryable failures retry (a purpose already done is not rotated twice);
 * a non-retryable failure is terminal; no sidecar means done; BlockMutators
 * holds exactly while leading and pending.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  decodeEncryptionEntry,
  emptySidecar,
  Keystore,
  NonceFactory,
  RaftEnvelopeRuntime,
  readSidecar,
  writeSidecar,
  type Sidecar,
} from '../encryption/index.js';
import { tempDir, testKek } from '../encryption/test/fixtures.js';
import { NodeError } from '../proto/index.js';
import { createLogger } from './logger.js';
import { systemClock } from './node-clock.js';
import { RotateOnStartup } from './rotate-on-startup.js';

const me = 77n;
const kek = testKek();

function sidecarWith(active: { storage: number; raft: number }): Sidecar {
  const base = emptySidecar();
  const key = (purpose: 'storage' | 'raft') => ({
    purpose,
    wrapped: kek.wrapDek(new Uint8Array(32).fill(purpose === 'storage' ? 1 : 2)),
    created: '2026-01-01T00:00:00Z',
    localEpoch: 3,
  });
  return {
    ...base,
    active,
    keys: new Map([
      [active.storage, key('storage')],
      [active.raft, key('raft')],
    ]),
  };
}

/** A proposal that applies and then fails ambiguously (a timeout after the entry committed). */
const appliedThenTimeout = 'applied-then-timeout';

async function setup(options: {
  sidecar: Sidecar | null;
  leader: boolean;
  failures?: (NodeError | Error | null | typeof appliedThenTimeout)[];
  bugs?: readonly string[];
}) {
  const dir = await tempDir('rotate');
  const path = join(dir.dir, 'node.sidecar');
  if (options.sidecar !== null) await writeSidecar(path, options.sidecar);
  let leader = options.leader;
  const listeners = new Set<() => void>();
  const failures = [...(options.failures ?? [])];
  const proposed: string[] = [];
  const terminal: Error[] = [];
  const conflicts: number[] = [];
  let fences = 0;
  let index = 100;
  const keystore = new Keystore();
  const raft = new RaftEnvelopeRuntime({ keystore, nonces: new NonceFactory(1, 5), fullNodeId: me, raftEpoch: 5 });
  const wrappedById = new Map<number, string>();
  const rotation = new RotateOnStartup({
    runtime: { kek, sidecarPath: path, me, epochs: { storage: 4, raft: 5 }, raft },
    core: {
      isLeader: () => leader,
      onLeaderChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      linearizableRead: async () => ++fences,
      proposeAdmin: async (payload) => {
        // null: this call succeeds.
        const failure = failures.shift();
        if (failure !== undefined && failure !== null && failure !== appliedThenTimeout) throw failure;
        const entry = decodeEncryptionEntry(payload);
        if (entry.opcode !== 0x05) throw new Error('not a rotation');
        const { rotation: r } = entry;
        proposed.push(`${r.purpose}:${r.dekId} proposer ${r.proposer.fullNodeId}@${r.proposer.localEpoch}`);
        // What keystore.Set on every replica would say: one id bound to two different DEKs is ErrKeyConflict.
        const bytes = Buffer.from(r.wrapped).toString('hex');
        if (wrappedById.has(r.dekId) && wrappedById.get(r.dekId) !== bytes) conflicts.push(r.dekId);
        wrappedById.set(r.dekId, bytes);
        // Apply it as the applier would: the new key becomes active.
        const sc = (await readSidecar(path))!;
        const keys = new Map(sc.keys);
        keys.set(r.dekId, {
          purpose: r.purpose,
          wrapped: r.wrapped,
          created: '2026-01-02T00:00:00Z',
          localEpoch: r.proposer.localEpoch,
        });
        await writeSidecar(path, { ...sc, keys, active: { ...sc.active, [r.purpose]: r.dekId } });
        if (failure === appliedThenTimeout) throw new NodeError('ProposalTimeout', 'applied, but the wait timed out');
        return { index: ++index };
      },
    },
    registerNow: async () => undefined,
    onTerminal: (error) => terminal.push(error),
    logger: createLogger({ level: 'silent', format: 'json', nodeId: 't' }),
    clock: systemClock,
    sleep: async () => {
      await new Promise((resolve) => setImmediate(resolve));
    },
    bugs: new Set(options.bugs ?? []),
  });
  const becomeLeader = (): void => {
    leader = true;
    for (const l of [...listeners]) l();
  };
  // Waits for the rotation to leave 'pending' (bounded only so a broken rotation fails instead of hanging; a loaded machine needs more than a few ms).
  const settle = async (): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (rotation.state === 'pending' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
  };
  return {
    rotation,
    proposed,
    terminal,
    conflicts,
    fences: () => fences,
    raft,
    keystore,
    becomeLeader,
    settle,
    path,
    remove: dir.remove,
  };
}

describe('RotateOnStartup', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  it('on a follower keeps the request (no mutator block) and fires it once the node leads: storage then raft, ids max+1, own epochs', async () => {
    const t = await setup({ sidecar: sidecarWith({ storage: 1, raft: 2 }), leader: false });
    cleanup.push(t.remove);
    t.rotation.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.proposed).toEqual([]);
    expect(t.rotation.blocksMutators()).toBe(false);
    t.becomeLeader();
    expect(t.rotation.blocksMutators()).toBe(true);
    await t.settle();
    expect(t.rotation.state).toBe('done');
    expect(t.proposed).toEqual([`storage:3 proposer ${me}@4`, `raft:4 proposer ${me}@5`]);
    expect((await readSidecar(t.path))!.active).toEqual({ storage: 3, raft: 4 });
    expect(t.rotation.blocksMutators()).toBe(false);
    await t.rotation.stop();
  });

  it('retries retryable failures without rotating a done purpose twice', async () => {
    const t = await setup({
      sidecar: sidecarWith({ storage: 1, raft: 2 }),
      leader: true,
      failures: [
        new NodeError('WriterNotRegistered', 'w'),
        null,
        new NodeError('LeadershipLost', 'x'),
        new NodeError('ProposalTimeout', 'y'),
      ],
    });
    cleanup.push(t.remove);
    t.rotation.start();
    await t.settle();
    expect(t.rotation.state).toBe('done');
    expect(t.proposed).toEqual([`storage:3 proposer ${me}@4`, `raft:4 proposer ${me}@5`]);
    expect(t.terminal).toEqual([]);
  });

  it('latches a non-retryable failure as terminal and reports it', async () => {
    const t = await setup({
      sidecar: sidecarWith({ storage: 1, raft: 2 }),
      leader: true,
      failures: [new NodeError('InvalidArgument', 'bad'), new Error('never reached')],
    });
    cleanup.push(t.remove);
    t.rotation.start();
    await t.settle();
    expect(t.rotation.state).toBe('failed');
    expect(t.terminal.map((e) => e.message)).toEqual(['bad']);
    expect(t.proposed).toEqual([]);
  });

  it('marks the request done when there is no sidecar', async () => {
    const t = await setup({ sidecar: null, leader: true });
    cleanup.push(t.remove);
    t.rotation.start();
    await t.settle();
    expect(t.rotation.state).toBe('done');
    expect(t.proposed).toEqual([]);
  });

  it('E22 off: after an ambiguous failure the retry draws a fresh id (rotating twice, safely)', async () => {
    const t = await setup({
      sidecar: sidecarWith({ storage: 1, raft: 2 }),
      leader: true,
      failures: [appliedThenTimeout],
    });
    cleanup.push(t.remove);
    t.rotation.start();
    await t.settle();
    expect(t.rotation.state).toBe('done');
    expect(t.proposed).toEqual([`storage:3 proposer ${me}@4`, `storage:4 proposer ${me}@4`, `raft:5 proposer ${me}@5`]);
    expect(t.conflicts).toEqual([]);
    expect(t.fences()).toBe(2);
  });

  it('E22 on: the retry proposes the same DEK id with other key bytes (ErrKeyConflict on every replica that applied the first) and takes no read fence', async () => {
    const t = await setup({
      sidecar: sidecarWith({ storage: 1, raft: 2 }),
      leader: true,
      failures: [appliedThenTimeout],
      bugs: ['E22'],
    });
    cleanup.push(t.remove);
    t.rotation.start();
    await t.settle();
    expect(t.proposed.slice(0, 2)).toEqual([`storage:3 proposer ${me}@4`, `storage:3 proposer ${me}@4`]);
    expect(t.conflicts).toEqual([3]);
    expect(t.fences()).toBe(0);
  });

  it('E23 on: writes are not blocked while the rotation is pending on the leader', async () => {
    for (const [bugs, blocked] of [
      [[], true],
      [['E23'], false],
    ] as const) {
      const t = await setup({ sidecar: sidecarWith({ storage: 1, raft: 2 }), leader: false, bugs });
      cleanup.push(t.remove);
      t.rotation.start();
      t.becomeLeader();
      expect(t.rotation.blocksMutators(), `bugs ${bugs.join(',')}`).toBe(blocked);
      await t.settle();
      await t.rotation.stop();
    }
  });

  it('E14 on: a raft rotation past the cutover leaves the wrap on the old raft DEK', async () => {
    for (const [bugs, wrapDek] of [
      [[], 4],
      [['E14'], 2],
    ] as const) {
      const sidecar = { ...sidecarWith({ storage: 1, raft: 2 }), raftEnvelopeCutoverIndex: 10 };
      const t = await setup({ sidecar, leader: true, bugs });
      cleanup.push(t.remove);
      t.keystore.set(2, new Uint8Array(32).fill(2));
      t.keystore.set(4, new Uint8Array(32).fill(4));
      t.raft.install(10, 2);
      t.rotation.start();
      await t.settle();
      expect(t.rotation.state).toBe('done');
      expect(t.raft.raftDekId, `bugs ${bugs.join(',')}`).toBe(wrapDek);
    }
  });
});
