import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEncryptionError } from './errors.js';
import { encodeRotationEntry, encodeRegistrationEntry } from './fsm-wire.js';
import { isEncryptionRelevantPayload } from './encryption-relevant.js';
import { emptySidecar, serializeSidecar, type Sidecar } from './sidecar-codec.js';
import {
  nodeFsyncIo,
  probeSidecarFilesystem,
  readSidecar,
  SIDECAR_WRITE_STEPS,
  sidecarTempPath,
  writeSidecar,
  type SidecarWriteStep,
} from './sidecar-file.js';
import { StateCache } from './state-cache.js';
import { rejected, tempDir } from './test/fixtures.js';

const withIndex = (index: number): Sidecar => ({ ...emptySidecar(), raftAppliedIndex: index });

describe('sidecar file (spec §4.1, §4.3)', () => {
  let dir = '';
  let remove: () => Promise<void> = async () => undefined;
  beforeEach(async () => {
    ({ dir, remove } = await tempDir('sidecar'));
  });
  afterEach(async () => remove());

  it('reads null when absent, writes 0600 content, runs the steps in order and leaves no tmp', async () => {
    const path = join(dir, 'keys.json');
    expect(await readSidecar(path)).toBeNull();
    const steps: SidecarWriteStep[] = [];
    await writeSidecar(path, withIndex(5), { onStep: (s) => void steps.push(s) });
    expect(steps).toEqual([...SIDECAR_WRITE_STEPS]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe(serializeSidecar(withIndex(5)));
    expect((await readSidecar(path))?.raftAppliedIndex).toBe(5);
    expect(await readdir(dir)).toEqual(['keys.json']);
  });

  it('B47 (bug switch): the sidecar is world-readable with the switch (the default mode less the umask), 0600 without', async () => {
    const path = join(dir, 'keys.json');
    await writeSidecar(path, withIndex(3), { bugs: new Set(['B47']) });
    expect((await stat(path)).mode & 0o004).toBe(0o004);
    await writeSidecar(path, withIndex(4));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('replaces a stale, world-readable tmp instead of inheriting its permissions', async () => {
    const path = join(dir, 'keys.json');
    await writeFile(sidecarTempPath(path), 'stale garbage', { mode: 0o666 });
    await writeSidecar(path, withIndex(9));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readSidecar(path))?.raftAppliedIndex).toBe(9);
  });

  it('reports a failed directory fsync as ErrUnsupportedFilesystem and removes the tmp', async () => {
    const path = join(dir, 'keys.json');
    const io = { ...nodeFsyncIo, fsyncDirectory: async () => Promise.reject(new Error('EINVAL: fsync on this fs')) };
    const err = await rejected(writeSidecar(path, withIndex(3), { io }));
    expect(isEncryptionError(err, 'ErrUnsupportedFilesystem')).toBe(true);
    expect((await readdir(dir)).includes('keys.json.tmp')).toBe(false);
  });

  it('keeps the old file when the file fsync fails, and removes the tmp', async () => {
    const path = join(dir, 'keys.json');
    await writeSidecar(path, withIndex(1));
    const io = { ...nodeFsyncIo, fsyncFile: async () => Promise.reject(new Error('EIO')) };
    expect(isEncryptionError(await rejected(writeSidecar(path, withIndex(2), { io })), 'ErrSidecarIO')).toBe(true);
    expect((await readSidecar(path))?.raftAppliedIndex).toBe(1);
    expect(await readdir(dir)).toEqual(['keys.json']);
  });

  it('refuses to write an invalid sidecar and leaves the old one', async () => {
    const path = join(dir, 'keys.json');
    await writeSidecar(path, withIndex(1));
    const invalid: Sidecar = { ...emptySidecar(), active: { storage: 4, raft: 0 } };
    expect(isEncryptionError(await rejected(writeSidecar(path, invalid)), 'ErrSidecarActiveKeyMissing')).toBe(true);
    expect((await readSidecar(path))?.raftAppliedIndex).toBe(1);
  });

  it('probe: passes on a real filesystem and cleans up; fsync failures are ErrUnsupportedFilesystem; a missing dir is a plain error', async () => {
    await probeSidecarFilesystem(dir);
    expect(await readdir(dir)).toEqual([]);
    const badDir = { ...nodeFsyncIo, fsyncDirectory: async () => Promise.reject(new Error('EINVAL')) };
    expect(isEncryptionError(await rejected(probeSidecarFilesystem(dir, badDir)), 'ErrUnsupportedFilesystem')).toBe(
      true,
    );
    const badFile = { ...nodeFsyncIo, fsyncFile: async () => Promise.reject(new Error('EIO')) };
    expect(isEncryptionError(await rejected(probeSidecarFilesystem(dir, badFile)), 'ErrUnsupportedFilesystem')).toBe(
      true,
    );
    expect(await readdir(dir)).toEqual([]);
    const missing = await rejected(probeSidecarFilesystem(join(dir, 'absent')));
    expect(isEncryptionError(missing, 'ErrSidecarIO')).toBe(true);
    expect(isEncryptionError(missing, 'ErrUnsupportedFilesystem')).toBe(false);
  });
});

describe('StateCache (spec §4.4) and the encryption-relevant predicate (spec §4.5)', () => {
  it('mirrors active.storage and the Phase-1 flag; registered() needs active == registered != 0', () => {
    const cache = new StateCache();
    expect(cache.registered()).toBe(false);
    cache.markRegistered(5);
    expect(cache.registered()).toBe(false);
    const sidecar: Sidecar = {
      ...emptySidecar(),
      storageEnvelopeActive: true,
      active: { storage: 5, raft: 0 },
      keys: new Map([[5, { purpose: 'storage', wrapped: new Uint8Array(60), created: '', localEpoch: 1 }]]),
    };
    cache.prime(sidecar);
    expect([cache.activeStorageDekId, cache.storageEnvelopeActive, cache.registered()]).toEqual([5, true, true]);
    cache.prime({
      ...sidecar,
      active: { storage: 6, raft: 0 },
      keys: new Map([[6, { purpose: 'storage', wrapped: new Uint8Array(60), created: '', localEpoch: 1 }]]),
    });
    expect(cache.registered()).toBe(false);
    cache.prime(null);
    expect([cache.activeStorageDekId, cache.storageEnvelopeActive]).toEqual([0, false]);
  });

  it('counts opcodes 0x04-0x07 as sidecar-mutating, never 0x03', () => {
    expect(
      [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08].map((op) =>
        isEncryptionRelevantPayload(Uint8Array.of(op, 1)),
      ),
    ).toEqual([false, false, false, false, true, true, true, true, false]);
    expect(isEncryptionRelevantPayload(new Uint8Array(0))).toBe(false);
    expect(isEncryptionRelevantPayload(encodeRegistrationEntry({ dekId: 1, fullNodeId: 1n, localEpoch: 0 }))).toBe(
      false,
    );
    expect(
      isEncryptionRelevantPayload(
        encodeRotationEntry({
          subtag: 1,
          dekId: 1,
          purpose: 'raft',
          wrapped: new Uint8Array(0),
          proposer: { dekId: 1, fullNodeId: 1n, localEpoch: 0 },
        }),
      ),
    ).toBe(true);
  });
});
