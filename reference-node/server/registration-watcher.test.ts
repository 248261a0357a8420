import { describe, expect, it } from 'vitest';
import {
  applyRegistration,
  decodeEncryptionEntry,
  emptySidecar,
  Keystore,
  NonceFactory,
  RaftEnvelopeRuntime,
  StateCache,
  type Sidecar,
} from '../encryption/index.js';
import { FakeRowStore, keyBytes } from '../encryption/test/fixtures.js';
import { createLogger } from './logger.js';
import { systemClock } from './node-clock.js';
import { RegistrationWatcher } from './registration-watcher.js';
import type { RegisterEncryptionWriterRequest } from '../proto/index.js';
import { ownWriterRegistrar } from './writer-registrar.js';

const me = 0x1234_5678_9abc_def0n;
const storageDek = 1;
const raftDek = 2;

function setup(options: { leader: boolean; epochs: { storage: number; raft: number } }) {
  const keystore = new Keystore();
  keystore.set(storageDek, keyBytes(1));
  keystore.set(raftDek, keyBytes(2));
  const raft = new RaftEnvelopeRuntime({
    keystore,
    nonces: new NonceFactory(1, options.epochs.raft),
    fullNodeId: me,
    raftEpoch: options.epochs.raft,
  });
  raft.install(10, raftDek);
  const stateCache = new StateCache();
  const sidecar: Sidecar = {
    ...emptySidecar(),
    active: { storage: storageDek, raft: raftDek },
    storageEnvelopeActive: true,
  };
  stateCache.prime(sidecar);
  const rows = new FakeRowStore();
  const proposed: { dekId: number; localEpoch: number }[] = [];
  const forwarded: RegisterEncryptionWriterRequest[] = [];
  const register = ownWriterRegistrar({
    isLeader: () => options.leader,
    proposeLocally: async (payload) => {
      const entry = decodeEncryptionEntry(payload);
      if (entry.opcode !== 0x03) throw new Error('not a registration');
      proposed.push({ dekId: entry.registration.dekId, localEpoch: entry.registration.localEpoch });
      await applyRegistration(rows, entry.registration, new Set());
    },
    // The leader commits it; this replica applies it as the log reaches it (here: at once).
    forwardToLeader: async (request) => {
      forwarded.push(request);
      const writer = request.writers[0]!;
      await applyRegistration(
        rows,
        { dekId: request.dekId, fullNodeId: BigInt(writer.fullNodeId), localEpoch: writer.localEpoch },
        new Set(),
      );
    },
  });
  const watcher = new RegistrationWatcher({
    runtime: { stateCache, raft, rows, me, epochs: options.epochs },
    register,
    logger: createLogger({ level: 'silent', format: 'json', nodeId: 't' }),
    clock: systemClock,
  });
  return { watcher, raft, stateCache, rows, proposed, forwarded };
}

describe('RegistrationWatcher', () => {
  it('on a leader proposes the raft registration first, then the storage one, and marks both once committed', async () => {
    const { watcher, raft, stateCache, proposed } = setup({ leader: true, epochs: { storage: 3, raft: 4 } });
    await watcher.tick();
    expect(proposed).toEqual([
      { dekId: raftDek, localEpoch: 4 },
      { dekId: storageDek, localEpoch: 3 },
    ]);
    expect(raft.registered()).toBe(false);
    await watcher.tick();
    expect(raft.registered()).toBe(true);
    expect(stateCache.registered()).toBe(true);
    expect(proposed).toHaveLength(2);
  });

  it('on a follower forwards RegisterEncryptionWriter to the leader (raft first) and proposes nothing itself', async () => {
    const { watcher, raft, stateCache, proposed, forwarded } = setup({
      leader: false,
      epochs: { storage: 3, raft: 4 },
    });
    await watcher.tick();
    expect(proposed).toEqual([]);
    expect(forwarded).toEqual([
      { dekId: raftDek, writers: [{ fullNodeId: me.toString(), localEpoch: 4 }] },
      { dekId: storageDek, writers: [{ fullNodeId: me.toString(), localEpoch: 3 }] },
    ]);
    await watcher.tick();
    expect(raft.registered()).toBe(true);
    expect(stateCache.registered()).toBe(true);
    expect(forwarded).toHaveLength(2);
  });

  it('marks a committed equal row without proposing; never proposes below a row that is ahead', async () => {
    const equal = setup({ leader: false, epochs: { storage: 1, raft: 1 } });
    await applyRegistration(equal.rows, { dekId: raftDek, fullNodeId: me, localEpoch: 1 }, new Set());
    await applyRegistration(equal.rows, { dekId: storageDek, fullNodeId: me, localEpoch: 5 }, new Set());
    await equal.watcher.tick();
    expect(equal.raft.registered()).toBe(true);
    expect(equal.stateCache.registered()).toBe(false);
    expect(equal.proposed).toEqual([]);
    expect(equal.forwarded).toEqual([]);
    const ahead = setup({ leader: true, epochs: { storage: 1, raft: 1 } });
    await applyRegistration(ahead.rows, { dekId: raftDek, fullNodeId: me, localEpoch: 7 }, new Set());
    await ahead.watcher.tick();
    expect(ahead.proposed).toEqual([{ dekId: storageDek, localEpoch: 1 }]);
    expect(ahead.raft.registered()).toBe(false);
  });
});
