import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateWrappedDek, nextDekId } from './dek-helper.js';
import { isEncryptionError } from './errors.js';
import { loadKekFile } from './kek-file.js';
import { bumpLocalEpoch, hydrateKeystore, needsHydration, nonceEpochForLoad } from './key-lifecycle.js';
import { Keystore } from './keystore.js';
import { fullNodeId } from './node-identity.js';
import { emptySidecar, type Sidecar } from './sidecar-codec.js';
import { readSidecar, writeSidecar } from './sidecar-file.js';
import {
  checkCutoverDivergence,
  checkLocalEpochRollback,
  checkNodeIdCollision,
  checkRaftCutoverScope,
  checkRaftEpochRollback,
  checkSidecarBehindRaftLog,
  checkStartupGuards,
} from './startup-guards.js';
import { FakeRowStore, keyBytes, rejected, tempDir, testKek, thrown } from './test/fixtures.js';
import { applyRegistration } from './writer-registry.js';

const kek = testKek();
const ME = fullNodeId('n1');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function bootstrapped(over: Partial<Sidecar> = {}, epoch = 0): Sidecar {
  return {
    ...emptySidecar(),
    raftAppliedIndex: 5,
    active: { storage: 1, raft: 2 },
    keys: new Map([
      [1, { purpose: 'storage' as const, wrapped: kek.wrapDek(keyBytes(1)), created: '', localEpoch: epoch }],
      [2, { purpose: 'raft' as const, wrapped: kek.wrapDek(keyBytes(2)), created: '', localEpoch: epoch }],
    ]),
    ...over,
  };
}

async function dirWithKek(): Promise<{ dir: string; kekFile: string; sidecarPath: string }> {
  const { dir, remove } = await tempDir('guards');
  cleanups.push(remove);
  const kekFile = join(dir, 'kek');
  await writeFile(kekFile, keyBytes(0x40));
  await chmod(kekFile, 0o600);
  return { dir, kekFile, sidecarPath: join(dir, 'keys.json') };
}

describe('CheckStartupGuards (spec §8.2, phase 2)', () => {
  it('refuses a sidecar without --encryption-enabled, and needs a KEK with the flag', async () => {
    const { kekFile, sidecarPath } = await dirWithKek();
    expect(
      await checkStartupGuards({ encryptionEnabled: false, kekFile: '', sidecarPath, loadKek: loadKekFile }),
    ).toEqual({ kek: null, sidecar: null });
    await writeSidecar(sidecarPath, emptySidecar());
    expect(
      isEncryptionError(
        await rejected(checkStartupGuards({ encryptionEnabled: false, kekFile, sidecarPath, loadKek: loadKekFile })),
        'ErrSidecarPresentWithoutFlag',
      ),
    ).toBe(true);
    // The KEK check takes precedence over a corrupt sidecar.
    await writeFile(sidecarPath, 'corrupt');
    expect(
      isEncryptionError(
        await rejected(checkStartupGuards({ encryptionEnabled: true, kekFile: '', sidecarPath, loadKek: loadKekFile })),
        'ErrKEKRequiredWithFlag',
      ),
    ).toBe(true);
    expect(
      isEncryptionError(
        await rejected(checkStartupGuards({ encryptionEnabled: true, kekFile, sidecarPath, loadKek: loadKekFile })),
        'ErrSidecarMalformed',
      ),
    ).toBe(true);
  });

  it('passes a healthy sidecar and returns it; refuses a wrong KEK naming the lowest failing id', async () => {
    const { kekFile, sidecarPath } = await dirWithKek();
    await writeSidecar(sidecarPath, bootstrapped());
    const ok = await checkStartupGuards({ encryptionEnabled: true, kekFile, sidecarPath, loadKek: loadKekFile });
    expect(ok.sidecar?.active).toEqual({ storage: 1, raft: 2 });
    const other = testKek(0x41);
    const err = await rejected(
      checkStartupGuards({ encryptionEnabled: true, kekFile, sidecarPath, loadKek: async () => other }),
    );
    expect(isEncryptionError(err, 'ErrKEKMismatch')).toBe(true);
    expect((err as Error).message).toMatch(/key 1 /);
  });

  it('refuses an exhausted local_epoch and an unsupported filesystem', async () => {
    const { kekFile, sidecarPath } = await dirWithKek();
    await writeSidecar(sidecarPath, bootstrapped({}, 0xffff));
    expect(
      isEncryptionError(
        await rejected(checkStartupGuards({ encryptionEnabled: true, kekFile, sidecarPath, loadKek: loadKekFile })),
        'ErrLocalEpochExhausted',
      ),
    ).toBe(true);
    const io = { fsyncFile: async () => undefined, fsyncDirectory: async () => Promise.reject(new Error('EINVAL')) };
    expect(
      isEncryptionError(
        await rejected(checkStartupGuards({ encryptionEnabled: true, kekFile, sidecarPath, loadKek: loadKekFile, io })),
        'ErrUnsupportedFilesystem',
      ),
    ).toBe(true);
  });
});

describe('key lifecycle (spec §1.5, §3.3)', () => {
  it('hydrates every key, not only the active ones', () => {
    const sc = bootstrapped();
    const keys = new Map(sc.keys);
    keys.set(7, { purpose: 'storage', wrapped: kek.wrapDek(keyBytes(7)), created: '', localEpoch: 0 });
    const ks = new Keystore();
    hydrateKeystore({ ...sc, keys }, kek, ks);
    expect(ks.ids()).toEqual([1, 2, 7]);
    expect(needsHydration(sc)).toBe(true);
    expect(needsHydration(emptySidecar())).toBe(false);
    expect(needsHydration(null)).toBe(false);
  });

  it('bumps the active DEK epoch durably and refuses at 0xFFFF', async () => {
    const { sidecarPath } = await dirWithKek();
    const { sidecar, epoch } = await bumpLocalEpoch(sidecarPath, bootstrapped({}, 6), 'storage');
    expect(epoch).toBe(7);
    expect((await readSidecar(sidecarPath))?.keys.get(1)?.localEpoch).toBe(7);
    expect(sidecar.keys.get(2)?.localEpoch).toBe(6);
    expect(
      isEncryptionError(
        await rejected(bumpLocalEpoch(sidecarPath, bootstrapped({}, 0xffff), 'raft')),
        'ErrLocalEpochExhausted',
      ),
    ).toBe(true);
  });
});

describe('membership and rollback guards (spec §8.2, phases 3, 6, 9)', () => {
  it('refuses node_id16 collisions among distinct full ids only', () => {
    checkNodeIdCollision([ME, ME, fullNodeId('n2')]);
    expect(
      isEncryptionError(
        thrown(() => checkNodeIdCollision([ME, ME ^ 0x10000n])),
        'ErrNodeIDCollision',
      ),
    ).toBe(true);
  });

  it('checks the storage epoch against the registry before the bump and after replay', async () => {
    const rows = new FakeRowStore();
    const active = bootstrapped({ storageEnvelopeActive: true }, 3);
    // Missing row: refused while the envelope is active, allowed while inactive (a new learner).
    expect(
      isEncryptionError(
        await rejected(checkLocalEpochRollback({ sidecar: active, rows, me: ME, phase: 'before-bump' })),
        'ErrLocalEpochRollback',
      ),
    ).toBe(true);
    await checkLocalEpochRollback({ sidecar: bootstrapped({}, 3), rows, me: ME, phase: 'after-replay' });
    await applyRegistration(rows, { dekId: 1, fullNodeId: ME, localEpoch: 3 }, new Set());
    await checkLocalEpochRollback({ sidecar: active, rows, me: ME, phase: 'before-bump' });
    // After replay the bumped epoch must be strictly ahead.
    expect(
      isEncryptionError(
        await rejected(checkLocalEpochRollback({ sidecar: active, rows, me: ME, phase: 'after-replay' })),
        'ErrLocalEpochRollback',
      ),
    ).toBe(true);
    await checkLocalEpochRollback({
      sidecar: bootstrapped({ storageEnvelopeActive: true }, 4),
      rows,
      me: ME,
      phase: 'after-replay',
    });
    // A restored old sidecar (B23) is refused before the bump.
    expect(
      isEncryptionError(
        await rejected(
          checkLocalEpochRollback({
            sidecar: bootstrapped({ storageEnvelopeActive: true }, 2),
            rows,
            me: ME,
            phase: 'before-bump',
          }),
        ),
        'ErrLocalEpochRollback',
      ),
    ).toBe(true);
    // A row owned by another full id is refused.
    const foreign = ME ^ 0x10000n;
    expect(
      isEncryptionError(
        await rejected(checkLocalEpochRollback({ sidecar: active, rows, me: foreign, phase: 'before-bump' })),
        'ErrLocalEpochRollback',
      ),
    ).toBe(true);
  });

  it('checks the raft epoch only once the cutover is active', async () => {
    const rows = new FakeRowStore();
    await applyRegistration(rows, { dekId: 2, fullNodeId: ME, localEpoch: 4 }, new Set());
    await checkRaftEpochRollback({ sidecar: bootstrapped(), rows, me: ME, raftEpoch: 1 });
    expect(
      isEncryptionError(
        await rejected(
          checkRaftEpochRollback({
            sidecar: bootstrapped({ raftEnvelopeCutoverIndex: 9 }),
            rows,
            me: ME,
            raftEpoch: 4,
          }),
        ),
        'ErrLocalEpochRollback',
      ),
    ).toBe(true);
    await checkRaftEpochRollback({
      sidecar: bootstrapped({ raftEnvelopeCutoverIndex: 9 }),
      rows,
      me: ME,
      raftEpoch: 5,
    });
  });

  it("E19 (bug switch): a raft epoch equal to the registry's last_seen is accepted with the switch, refused without", async () => {
    const rows = new FakeRowStore();
    await applyRegistration(rows, { dekId: 2, fullNodeId: ME, localEpoch: 4 }, new Set());
    const sidecar = bootstrapped({ raftEnvelopeCutoverIndex: 9 });
    expect(
      isEncryptionError(
        await rejected(checkRaftEpochRollback({ sidecar, rows, me: ME, raftEpoch: 4 })),
        'ErrLocalEpochRollback',
      ),
    ).toBe(true);
    await checkRaftEpochRollback({ sidecar, rows, me: ME, raftEpoch: 4, bugs: new Set(['E19']) });
    // Below is still refused: the switch re-introduces only the equal case.
    expect(
      isEncryptionError(
        await rejected(checkRaftEpochRollback({ sidecar, rows, me: ME, raftEpoch: 3, bugs: new Set(['E19']) })),
        'ErrLocalEpochRollback',
      ),
    ).toBe(true);
  });

  it('checks the raft cutover scope and the snapshot cutover divergence', () => {
    checkRaftCutoverScope(null, 3);
    checkRaftCutoverScope(bootstrapped({ raftEnvelopeCutoverIndex: 9 }), 1);
    expect(
      isEncryptionError(
        thrown(() => checkRaftCutoverScope(bootstrapped({ raftEnvelopeCutoverIndex: 9 }), 2)),
        'ErrRaftCutoverScope',
      ),
    ).toBe(true);
    expect(
      isEncryptionError(
        thrown(() => checkRaftCutoverScope({ ...emptySidecar(), raftEnvelopeCutoverIndex: 9 }, 1)),
        'ErrRaftCutoverScope',
      ),
    ).toBe(true);
    checkCutoverDivergence(0, 42);
    checkCutoverDivergence(42, 42);
    expect(
      isEncryptionError(
        thrown(() => checkCutoverDivergence(42, 0)),
        'ErrEnvelopeCutoverDivergence',
      ),
    ).toBe(true);
  });

  it('refuses a sidecar behind the log only when the gap holds a 0x04-0x07 entry', async () => {
    const log = new Map<number, Uint8Array>([
      [6, Uint8Array.of(0x03, 1)],
      [7, Uint8Array.of(0x00)],
      [8, Uint8Array.of(0x05, 1)],
    ]);
    const scanner = async function* (from: number, to: number) {
      for (let i = from + 1; i <= to; i++) yield { index: i, payload: log.get(i) ?? new Uint8Array(0) };
    };
    const sc = bootstrapped();
    expect(await checkSidecarBehindRaftLog({ sidecar: sc, engineAppliedIndex: 7, scanner })).toBe('ok');
    expect(
      isEncryptionError(
        await rejected(checkSidecarBehindRaftLog({ sidecar: sc, engineAppliedIndex: 8, scanner })),
        'ErrSidecarBehindRaftLog',
      ),
    ).toBe(true);
    expect(
      await checkSidecarBehindRaftLog({ sidecar: { ...sc, raftAppliedIndex: 0 }, engineAppliedIndex: 8, scanner }),
    ).toBe('skipped-legacy');
    expect(
      isEncryptionError(
        await rejected(checkSidecarBehindRaftLog({ sidecar: sc, engineAppliedIndex: 8, scanner: null })),
        'ErrSidecarBehindRaftLog',
      ),
    ).toBe(true);
    // B30 (bug switch): the registration at 6 counts, so a gap holding only it refuses too.
    expect(
      await checkSidecarBehindRaftLog({ sidecar: { ...sc, raftAppliedIndex: 5 }, engineAppliedIndex: 7, scanner }),
    ).toBe('ok');
    expect(
      isEncryptionError(
        await rejected(
          checkSidecarBehindRaftLog({
            sidecar: { ...sc, raftAppliedIndex: 5 },
            engineAppliedIndex: 7,
            scanner,
            bugs: new Set(['B30']),
          }),
        ),
        'ErrSidecarBehindRaftLog',
      ),
    ).toBe(true);
  });
});

describe('DEK helper', () => {
  it('generates distinct 60-byte wrapped DEKs that unwrap to 32 bytes', () => {
    const a = generateWrappedDek(kek);
    const b = generateWrappedDek(kek);
    expect(a.wrapped.length).toBe(60);
    expect(Buffer.from(a.wrappedBase64, 'base64')).toEqual(Buffer.from(a.wrapped));
    expect(kek.unwrapDek(a.wrapped).length).toBe(32);
    expect(Buffer.from(kek.unwrapDek(a.wrapped))).not.toEqual(Buffer.from(kek.unwrapDek(b.wrapped)));
  });

  it('picks max(ids) + 1 and fails when the id space is exhausted', () => {
    expect(nextDekId([])).toBe(1);
    expect(nextDekId([5, 300, 2])).toBe(301);
    expect(
      isEncryptionError(
        thrown(() => nextDekId([0xffffffff])),
        'ErrKeyIDSpaceExhausted',
      ),
    ).toBe(true);
  });
});

describe('bug switches of the startup path', () => {
  it('B27 skips the downgrade guard, B23 the rollback guards, B26 hydration, B25 the epoch', async () => {
    const { kekFile, sidecarPath } = await dirWithKek();
    await writeSidecar(sidecarPath, emptySidecar());
    expect(
      await checkStartupGuards({
        encryptionEnabled: false,
        kekFile,
        sidecarPath,
        loadKek: loadKekFile,
        bugs: new Set(['B27']),
      }),
    ).toEqual({ kek: null, sidecar: null });
    const rows = new FakeRowStore();
    const active = bootstrapped({ storageEnvelopeActive: true, raftEnvelopeCutoverIndex: 9 }, 3);
    await checkLocalEpochRollback({ sidecar: active, rows, me: ME, phase: 'before-bump', bugs: new Set(['B23']) });
    await applyRegistration(rows, { dekId: 2, fullNodeId: ME, localEpoch: 8 }, new Set());
    await checkRaftEpochRollback({ sidecar: active, rows, me: ME, raftEpoch: 1, bugs: new Set(['B23']) });
    const ks = new Keystore();
    hydrateKeystore(active, kek, ks, new Set(['B26']));
    expect(ks.ids()).toEqual([]);
    expect([nonceEpochForLoad(5), nonceEpochForLoad(5, new Set(['B25']))]).toEqual([5, 0]);
  });
});
