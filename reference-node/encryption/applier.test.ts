import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EncryptionApplier } from './applier.js';
import type { ApplyResult, EncryptionApplierDeps } from './applier-context.js';
import { isEncryptionError, type EncryptionErrorName } from './errors.js';
import { encodeBootstrapEntry, encodeRegistrationEntry, encodeRotationEntry, type RotationEntry } from './fsm-wire.js';
import { Keystore } from './keystore.js';
import { fullNodeId } from './node-identity.js';
import { readSidecar, writeSidecar } from './sidecar-file.js';
import { StateCache } from './state-cache.js';
import { FakeRowStore, keyBytes, tempDir, testKek } from './test/fixtures.js';
import { readRegistryRow } from './writer-registry.js';

const N1 = fullNodeId('n1');
const N2 = fullNodeId('n2');
const S = 100; // storage DEK id
const R = 200; // raft DEK id
const kek = testKek();
const wrappedS = kek.wrapDek(keyBytes(1));
const wrappedR = kek.wrapDek(keyBytes(2));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(overrides: Partial<EncryptionApplierDeps> = {}) {
  const { dir, remove } = await tempDir('applier');
  cleanups.push(remove);
  const installs: [number, number][] = [];
  const deps: EncryptionApplierDeps = {
    rows: new FakeRowStore(),
    sidecarPath: join(dir, 'keys.json'),
    keystore: new Keystore(),
    kek,
    pinnedEpochs: { storage: 4, raft: 2 },
    installer: async (cutover, dek) => void installs.push([cutover, dek]),
    stateCache: new StateCache(),
    clockMs: () => Date.UTC(2026, 3, 29, 10),
    ...overrides,
  };
  const applier = new EncryptionApplier(deps);
  const sidecar = async () => readSidecar(deps.sidecarPath ?? '');
  return { deps, applier, installs, sidecar, rows: deps.rows as FakeRowStore };
}

const bootstrap = (over: Partial<Parameters<typeof encodeBootstrapEntry>[0]> = {}) =>
  encodeBootstrapEntry({
    storageDekId: S,
    wrappedStorage: wrappedS,
    raftDekId: R,
    wrappedRaft: wrappedR,
    batch: [
      { dekId: S, fullNodeId: N1, localEpoch: 0 },
      { dekId: R, fullNodeId: N1, localEpoch: 0 },
    ],
    ...over,
  });
const rotation = (over: Partial<RotationEntry> & Pick<RotationEntry, 'subtag' | 'dekId' | 'purpose'>) =>
  encodeRotationEntry({
    wrapped: new Uint8Array(0),
    proposer: { dekId: over.dekId, fullNodeId: N1, localEpoch: 1 },
    ...over,
  });
const enableStorage = (dekId = S, over: Partial<RotationEntry> = {}) =>
  rotation({ subtag: 4, dekId, purpose: 'storage', ...over });
const enableRaft = (dekId = R, over: Partial<RotationEntry> = {}) =>
  rotation({ subtag: 5, dekId, purpose: 'raft', ...over });

function expectOk(result: ApplyResult, detail: string): void {
  expect(result).toEqual({ kind: 'ok', detail });
}
function expectHalt(result: ApplyResult, cause?: EncryptionErrorName, message?: RegExp): void {
  expect(result.kind).toBe('halt');
  if (result.kind !== 'halt') return;
  expect(result.error.errorName).toBe('ErrEncryptionApply');
  if (cause !== undefined) expect(isEncryptionError(result.error, cause)).toBe(true);
  if (message !== undefined) expect(result.error.message).toMatch(message);
}

describe('applier: 0x03 registration and the prerequisites', () => {
  it('applies registrations without touching the sidecar, and halts a rollback', async () => {
    const { applier, sidecar, rows } = await setup({ kek: null, keystore: null });
    expectOk(
      await applier.apply(encodeRegistrationEntry({ dekId: S, fullNodeId: N2, localEpoch: 3 }), 5),
      'registration',
    );
    expectOk(
      await applier.apply(encodeRegistrationEntry({ dekId: S, fullNodeId: N2, localEpoch: 3 }), 5),
      'registration',
    );
    expectHalt(
      await applier.apply(encodeRegistrationEntry({ dekId: S, fullNodeId: N2, localEpoch: 2 }), 6),
      undefined,
      /rollback/,
    );
    expect(await readRegistryRow(rows, S, N2)).toEqual({ fullNodeId: N2, firstSeenEpoch: 3, lastSeenEpoch: 3 });
    expect(await sidecar()).toBeNull();
  });

  it('re-applying an older registration after the row advanced halts: the pipeline must drop band entries at or below the durable applied index', async () => {
    const { applier } = await setup();
    expectOk(
      await applier.apply(encodeRegistrationEntry({ dekId: S, fullNodeId: N1, localEpoch: 1 }), 5),
      'registration',
    );
    expectOk(
      await applier.apply(encodeRegistrationEntry({ dekId: S, fullNodeId: N1, localEpoch: 2 }), 9),
      'registration',
    );
    // A restart that re-delivers index 5 (already reflected in the durable store) must not reach the applier.
    expectHalt(
      await applier.apply(encodeRegistrationEntry({ dekId: S, fullNodeId: N1, localEpoch: 1 }), 5),
      undefined,
      /rollback/,
    );
  });

  it.each([
    ['KEK', { kek: null }],
    ['keystore', { keystore: null }],
    ['sidecar path', { sidecarPath: null }],
  ] as const)('halts 0x04 and 0x05 with ErrKEKNotConfigured without a %s (a 6A node)', async (_what, missing) => {
    const { applier } = await setup(missing);
    expectHalt(await applier.apply(bootstrap(), 3), 'ErrKEKNotConfigured');
    expectHalt(
      await applier.apply(rotation({ subtag: 1, dekId: 5, purpose: 'storage', wrapped: wrappedS }), 4),
      'ErrKEKNotConfigured',
    );
    expectHalt(await applier.apply(enableStorage(), 4), 'ErrKEKNotConfigured');
  });

  it('halts on malformed bodies, reserved opcodes and sub-tags this binary does not know', async () => {
    const { applier } = await setup({ knownSubtags: new Set([1, 4]) });
    expectHalt(await applier.apply(Uint8Array.of(0x03, 0x01, 0x00), 1), 'ErrFSMWireMalformed');
    expectHalt(await applier.apply(Uint8Array.of(0x06, 0x01), 1), 'ErrFSMWireOpcode');
    expectHalt(await applier.apply(enableRaft(), 1), 'ErrFSMWireSubtag');
    expectHalt(await applier.apply(rotation({ subtag: 2, dekId: 5, purpose: 'raft' }), 1), 'ErrFSMWireSubtag');
  });
});

describe('applier: 0x04 bootstrap', () => {
  it('loads both DEKs, writes the sidecar at epoch 0, inserts the batch rows, refreshes the cache', async () => {
    const { applier, deps, sidecar, rows } = await setup();
    expectOk(await applier.apply(bootstrap(), 7), 'bootstrap-fresh');
    const sc = await sidecar();
    expect(sc).toMatchObject({ raftAppliedIndex: 7, active: { storage: S, raft: R }, storageEnvelopeActive: false });
    expect(sc?.keys.get(S)).toMatchObject({ purpose: 'storage', localEpoch: 0, created: '2026-04-29T10:00:00Z' });
    expect(sc?.keys.get(R)).toMatchObject({ purpose: 'raft', localEpoch: 0 });
    expect(deps.keystore?.ids()).toEqual([S, R]);
    expect(await readRegistryRow(rows, R, N1)).toEqual({ fullNodeId: N1, firstSeenEpoch: 0, lastSeenEpoch: 0 });
    expect(deps.stateCache.activeStorageDekId).toBe(S);
  });

  it('replays as a no-op that keeps the bumped local_epoch, and survives a fresh keystore (restart)', async () => {
    const first = await setup();
    expectOk(await first.applier.apply(bootstrap(), 7), 'bootstrap-fresh');
    const sc = (await first.sidecar())!;
    await writeSidecar(first.deps.sidecarPath!, {
      ...sc,
      keys: new Map([...sc.keys].map(([id, k]) => [id, { ...k, localEpoch: 1 }])),
    });
    const restarted = new EncryptionApplier({ ...first.deps, keystore: new Keystore() });
    expectOk(await restarted.apply(bootstrap(), 7), 'bootstrap-replay');
    expect((await first.sidecar())?.keys.get(S)?.localEpoch).toBe(1);
  });

  it('halts a second bootstrap with other ids or other material (H3), equal ids, and foreign batch rows', async () => {
    const { applier } = await setup();
    expectHalt(await applier.apply(bootstrap({ storageDekId: 5, raftDekId: 5 }), 3), undefined, /both 5/);
    expectHalt(
      await applier.apply(bootstrap({ batch: [{ dekId: 9, fullNodeId: N1, localEpoch: 0 }] }), 3),
      undefined,
      /names neither/,
    );
    expectOk(await applier.apply(bootstrap(), 7), 'bootstrap-fresh');
    expectHalt(await applier.apply(bootstrap({ storageDekId: 101, batch: [] }), 8), undefined, /conflicts/);
    expectHalt(await applier.apply(bootstrap({ wrappedStorage: kek.wrapDek(keyBytes(1)) }), 8), undefined, /conflicts/);
  });

  it("halts when a DEK does not unwrap under this node's KEK (B28)", async () => {
    const { applier, sidecar } = await setup({ kek: testKek(0x99) });
    expectHalt(await applier.apply(bootstrap(), 3), 'ErrKEKUnwrap');
    expect(await sidecar()).toBeNull();
  });
});

describe('applier: 0x05/0x01 rotate-dek', () => {
  it("moves the active pointer, keeps old DEKs, copies the pinned epoch (7b'), registers the proposer", async () => {
    const { applier, sidecar, rows, installs, deps } = await setup();
    await applier.apply(bootstrap(), 7);
    const wrapped = kek.wrapDek(keyBytes(3));
    expectOk(
      await applier.apply(
        rotation({
          subtag: 1,
          dekId: 101,
          purpose: 'storage',
          wrapped,
          proposer: { dekId: 101, fullNodeId: N2, localEpoch: 6 },
        }),
        9,
      ),
      'rotate-dek',
    );
    const sc = await sidecar();
    expect(sc).toMatchObject({ raftAppliedIndex: 9, active: { storage: 101, raft: R } });
    expect(sc?.keys.get(101)).toMatchObject({ purpose: 'storage', localEpoch: 4 });
    expect(sc?.keys.has(S)).toBe(true);
    expect(deps.keystore?.ids()).toEqual([S, 101, R]);
    expect(await readRegistryRow(rows, 101, N2)).toMatchObject({ lastSeenEpoch: 6 });
    expect(installs).toEqual([]);
    expect(deps.stateCache.activeStorageDekId).toBe(101);
  });

  it('re-installs the wrap for a raft rotation after the cutover, with the new DEK', async () => {
    const { applier, installs, sidecar } = await setup();
    await applier.apply(bootstrap(), 7);
    expectOk(await applier.apply(enableRaft(), 8), 'raft-cutover-fresh');
    expectOk(
      await applier.apply(rotation({ subtag: 1, dekId: 201, purpose: 'raft', wrapped: kek.wrapDek(keyBytes(4)) }), 9),
      'rotate-dek',
    );
    expect(installs).toEqual([
      [8, R],
      [8, 201],
    ]);
    expect((await sidecar())?.keys.get(201)?.localEpoch).toBe(2);
  });

  it("B36 (bug switch): the rotated DEK's epoch is not carried into the sidecar, so the registry (the proposer row at its epoch) is ahead of it", async () => {
    for (const [bugs, epoch] of [
      [[], 4],
      [['B36'], 0],
    ] as const) {
      const { applier, sidecar, rows } = await setup({ bugs: new Set(bugs) });
      await applier.apply(bootstrap(), 7);
      const wrapped = kek.wrapDek(keyBytes(3));
      expectOk(
        await applier.apply(
          rotation({
            subtag: 1,
            dekId: 101,
            purpose: 'storage',
            wrapped,
            proposer: { dekId: 101, fullNodeId: N1, localEpoch: 4 },
          }),
          9,
        ),
        'rotate-dek',
      );
      expect((await sidecar())?.keys.get(101)?.localEpoch, `bugs ${bugs.join(',') || '-'}`).toBe(epoch);
      expect(await readRegistryRow(rows, 101, N1)).toMatchObject({ lastSeenEpoch: 4 });
    }
  });

  it('E14 (bug switch): a raft rotation after the cutover does not re-install the wrap, which stays on the old DEK', async () => {
    const { applier, installs, sidecar } = await setup({ bugs: new Set(['E14']) });
    await applier.apply(bootstrap(), 7);
    expectOk(await applier.apply(enableRaft(), 8), 'raft-cutover-fresh');
    expectOk(
      await applier.apply(rotation({ subtag: 1, dekId: 201, purpose: 'raft', wrapped: kek.wrapDek(keyBytes(4)) }), 9),
      'rotate-dek',
    );
    expect(installs).toEqual([[8, R]]);
    expect((await sidecar())?.active.raft).toBe(201);
  });

  it('halts a proposer row for another DEK, a key conflict (H9), and a proposer rollback (after the sidecar write)', async () => {
    const { applier, sidecar } = await setup();
    await applier.apply(bootstrap(), 7);
    expectHalt(
      await applier.apply(
        rotation({
          subtag: 1,
          dekId: 101,
          purpose: 'storage',
          wrapped: kek.wrapDek(keyBytes(3)),
          proposer: { dekId: S, fullNodeId: N1, localEpoch: 1 },
        }),
        8,
      ),
      undefined,
      /proposer row/,
    );
    expectHalt(
      await applier.apply(rotation({ subtag: 1, dekId: S, purpose: 'storage', wrapped: kek.wrapDek(keyBytes(9)) }), 8),
      'ErrKeyConflict',
    );
    await applier.apply(encodeRegistrationEntry({ dekId: 101, fullNodeId: N1, localEpoch: 5 }), 8);
    expectHalt(
      await applier.apply(
        rotation({
          subtag: 1,
          dekId: 101,
          purpose: 'storage',
          wrapped: kek.wrapDek(keyBytes(3)),
          proposer: { dekId: 101, fullNodeId: N1, localEpoch: 2 },
        }),
        9,
      ),
      undefined,
      /rollback/,
    );
    // Crash ordering (§5.3 step 7): the sidecar was written before the registration halted.
    expect((await sidecar())?.active.storage).toBe(101);
  });
});

describe('applier: 0x05/0x04 enable-storage-envelope', () => {
  it('fresh apply registers the proposer, flips the flag once, and records the cutover index', async () => {
    const { applier, sidecar, rows, deps } = await setup();
    await applier.apply(bootstrap(), 7);
    expectOk(
      await applier.apply(enableStorage(S, { proposer: { dekId: S, fullNodeId: N1, localEpoch: 1 } }), 10),
      'storage-cutover-fresh',
    );
    expect(await sidecar()).toMatchObject({
      storageEnvelopeActive: true,
      storageEnvelopeCutoverIndex: 10,
      raftAppliedIndex: 10,
    });
    expect(await readRegistryRow(rows, S, N1)).toMatchObject({ lastSeenEpoch: 1 });
    expect(deps.stateCache.storageEnvelopeActive).toBe(true);
    const puts = rows.puts;
    // Retry / replay: already active keeps the original index and skips the row.
    expectOk(
      await applier.apply(enableStorage(S, { proposer: { dekId: S, fullNodeId: N1, localEpoch: 9 } }), 12),
      'storage-cutover-already-active',
    );
    expect(await sidecar()).toMatchObject({ storageEnvelopeCutoverIndex: 10, raftAppliedIndex: 12 });
    expect(rows.puts).toBe(puts);
  });

  it('a stale DEK (RotateDEK won the race) is a benign no-op that advances the index', async () => {
    const { applier, sidecar } = await setup();
    await applier.apply(bootstrap(), 7);
    expectOk(await applier.apply(enableStorage(999), 10), 'storage-cutover-stale-dek');
    expect(await sidecar()).toMatchObject({
      storageEnvelopeActive: false,
      storageEnvelopeCutoverIndex: 0,
      raftAppliedIndex: 10,
    });
  });

  it('halts on a wrong shape: purpose, wrapped bytes present, proposer for another DEK', async () => {
    const { applier } = await setup();
    await applier.apply(bootstrap(), 7);
    expectHalt(await applier.apply(rotation({ subtag: 4, dekId: S, purpose: 'raft' }), 8), undefined, /purpose/);
    expectHalt(await applier.apply(enableStorage(S, { wrapped: Uint8Array.of(1) }), 8), undefined, /wrapped/);
    expectHalt(
      await applier.apply(enableStorage(S, { proposer: { dekId: R, fullNodeId: N1, localEpoch: 1 } }), 8),
      undefined,
      /proposer/,
    );
  });

  it('B16 halts every valid marker; B17 halts the stale-DEK race', async () => {
    const b16 = await setup({ bugs: new Set(['B16']) });
    await b16.applier.apply(bootstrap(), 7);
    expectHalt(await b16.applier.apply(enableStorage(), 8), undefined, /wrapped/);
    const b17 = await setup({ bugs: new Set(['B17']) });
    await b17.applier.apply(bootstrap(), 7);
    expectHalt(await b17.applier.apply(enableStorage(999), 8), undefined, /active DEK/);
  });

  it('registers before flipping (the flip is the replay marker); B15 flips first and loses the row on a halt', async () => {
    for (const [bugs, flippedAfterHalt] of [
      [[], false],
      [['B15'], true],
    ] as const) {
      const { applier, sidecar } = await setup({ bugs: new Set(bugs) });
      await applier.apply(bootstrap(), 7);
      await applier.apply(encodeRegistrationEntry({ dekId: S, fullNodeId: N1, localEpoch: 5 }), 8);
      // A proposer epoch below the registry halts the registration step (H10-like).
      expectHalt(
        await applier.apply(enableStorage(S, { proposer: { dekId: S, fullNodeId: N1, localEpoch: 2 } }), 9),
        undefined,
        /rollback/,
      );
      expect((await sidecar())?.storageEnvelopeActive).toBe(flippedAfterHalt);
    }
  });
});

describe('applier: 0x05/0x05 enable-raft-envelope', () => {
  it('fresh apply registers, records the cutover, then installs (cutover, active.raft); replay re-installs', async () => {
    const { applier, sidecar, installs, rows } = await setup();
    await applier.apply(bootstrap(), 7);
    expectOk(
      await applier.apply(enableRaft(R, { proposer: { dekId: R, fullNodeId: N1, localEpoch: 1 } }), 11),
      'raft-cutover-fresh',
    );
    expect(await sidecar()).toMatchObject({ raftEnvelopeCutoverIndex: 11, raftAppliedIndex: 11 });
    expect(await readRegistryRow(rows, R, N1)).toMatchObject({ lastSeenEpoch: 1 });
    expectOk(await applier.apply(enableRaft(R), 11), 'raft-cutover-already-active');
    expect(installs).toEqual([
      [11, R],
      [11, R],
    ]);
  });

  it('E1 (bug switch): the marker records cutover 0 (the proposer row persists, nothing is installed) and every replay is fresh again', async () => {
    const { applier, sidecar, installs, rows } = await setup({ bugs: new Set(['E1']) });
    await applier.apply(bootstrap(), 7);
    for (let load = 0; load < 2; load++) {
      expectOk(
        await applier.apply(enableRaft(R, { proposer: { dekId: R, fullNodeId: N1, localEpoch: 1 } }), 11),
        'raft-cutover-fresh',
      );
      expect(await sidecar()).toMatchObject({ raftEnvelopeCutoverIndex: 0, raftAppliedIndex: 11 });
    }
    expect(await readRegistryRow(rows, R, N1)).toMatchObject({ lastSeenEpoch: 1 });
    expect(installs).toEqual([]);
  });

  it('after a raft rotation, replaying the marker still installs, keyed to the CURRENT active.raft (B13/B14 fixed)', async () => {
    const { applier, installs } = await setup();
    await applier.apply(bootstrap(), 7);
    await applier.apply(enableRaft(), 11);
    await applier.apply(rotation({ subtag: 1, dekId: 201, purpose: 'raft', wrapped: kek.wrapDek(keyBytes(4)) }), 12);
    installs.length = 0;
    expectOk(await applier.apply(enableRaft(R), 11), 'raft-cutover-already-active');
    expect(installs).toEqual([[11, 201]]);
  });

  it('B13 checks the stale DEK first: the replay after a rotation installs nothing', async () => {
    const { applier, installs } = await setup({ bugs: new Set(['B13']) });
    await applier.apply(bootstrap(), 7);
    await applier.apply(enableRaft(), 11);
    await applier.apply(rotation({ subtag: 1, dekId: 201, purpose: 'raft', wrapped: kek.wrapDek(keyBytes(4)) }), 12);
    installs.length = 0;
    expectOk(await applier.apply(enableRaft(R), 11), 'raft-cutover-stale-dek');
    expect(installs).toEqual([]);
  });

  it('a stale DEK before the cutover is a no-op without a wrap', async () => {
    const { applier, installs, sidecar } = await setup();
    await applier.apply(bootstrap(), 7);
    expectOk(await applier.apply(enableRaft(999), 11), 'raft-cutover-stale-dek');
    expect(installs).toEqual([]);
    expect(await sidecar()).toMatchObject({ raftEnvelopeCutoverIndex: 0, raftAppliedIndex: 11 });
  });

  it('halts on index 0, a missing or failing installer (after the sidecar fsync)', async () => {
    const failing = await setup({ installer: async () => Promise.reject(new Error('wrap publish failed')) });
    await failing.applier.apply(bootstrap(), 7);
    expectHalt(await failing.applier.apply(enableRaft(), 0), undefined, /without a log index/);
    expectHalt(await failing.applier.apply(enableRaft(), 11), undefined, /installer failed/);
    expect((await failing.sidecar())?.raftEnvelopeCutoverIndex).toBe(11);
    const none = await setup({ installer: null });
    await none.applier.apply(bootstrap(), 7);
    expectHalt(await none.applier.apply(enableRaft(), 11), undefined, /no raft wrap installer/);
  });
});
