/**
 * The startup-wiring switches E6 and E16 (bug-catalogue.md §10.D) against a
 * real KEK file and sidecar: what one process start does to the sidecar's
 * epochs, with the switch and without.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  applyRegistration,
  emptySidecar,
  fullNodeId,
  isEncryptionError,
  loadKekFile,
  readSidecar,
  writeSidecar,
  type Sidecar,
} from '../encryption/index.js';
import type { NodeStorage } from '../storage/index.js';
import { openMemoryStorage } from '../storage/test/memory-storage.js';
import { prepareEncryption, rawRowsOf, wireEncryption } from './encryption-startup.js';
import { systemClock } from './node-clock.js';
import type { NodeConfig } from './node-config.js';
import { parseNodeFlags } from './parse-node-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'ekv-bug-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kekPath = join(dir, 'kek.bin');
writeFileSync(kekPath, randomBytes(32), { mode: 0o600 });
const me = fullNodeId('n1');

function nodeConfig(sidecarPath: string, bugs: readonly string[]): NodeConfig {
  const outcome = parseNodeFlags([
    '--id',
    'n1',
    '--listen',
    '127.0.0.1:7001',
    '--peers',
    'n1=127.0.0.1:7001',
    '--data-dir',
    join(dir, 'data'),
    '--encryption-enabled',
    '--kek-file',
    kekPath,
    '--sidecar-path',
    sidecarPath,
    ...(bugs.length === 0 ? [] : ['--bug', bugs.join(',')]),
  ]);
  if (outcome.kind !== 'config') throw new Error(outcome.output);
  return outcome.config;
}

/** A Phase-0 or Phase-1 sidecar with storage DEK 1 and raft DEK 2 at the given epochs. */
async function sidecarWith(
  epochs: { storage: number; raft: number },
  storageEnvelopeActive: boolean,
): Promise<Sidecar> {
  const kek = await loadKekFile(kekPath);
  const key = (purpose: 'storage' | 'raft', localEpoch: number) => ({
    purpose,
    wrapped: kek.wrapDek(randomBytes(32)),
    created: '2026-01-01T00:00:00Z',
    localEpoch,
  });
  return {
    ...emptySidecar(),
    raftAppliedIndex: 5,
    storageEnvelopeActive,
    storageEnvelopeCutoverIndex: storageEnvelopeActive ? 5 : 0,
    active: { storage: 1, raft: 2 },
    keys: new Map([
      [1, key('storage', epochs.storage)],
      [2, key('raft', epochs.raft)],
    ]),
  };
}

/** One process start up to the write-path wiring: guards, hydrate, bumps (what a refused start leaves behind). */
async function start(config: NodeConfig, storage: NodeStorage): Promise<unknown> {
  const prepared = await prepareEncryption(config);
  if (prepared === null) throw new Error('encryption not prepared');
  return wireEncryption(config, prepared, storage.state, ['n1'], systemClock).then(
    () => undefined,
    (error: unknown) => error,
  );
}

const epochsOf = async (path: string) => {
  const sidecar = (await readSidecar(path))!;
  return { storage: sidecar.keys.get(1)!.localEpoch, raft: sidecar.keys.get(2)!.localEpoch };
};

describe('startup bug switches', () => {
  let storage: NodeStorage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  it('E6: a start refused by the pre-bump rollback guard consumes an epoch with the switch, none without', async () => {
    for (const [bugs, expected] of [
      [[], [2, 2]],
      [['E6'], [3, 4]],
    ] as const) {
      const path = join(mkdtempSync(join(dir, 'e6-')), 'node.sidecar');
      // An older sidecar restored under a registry that has seen epoch 6.
      await writeSidecar(path, await sidecarWith({ storage: 2, raft: 0 }, true));
      storage = await openMemoryStorage(mkdtempSync(join(dir, 'store-')));
      await applyRegistration(rawRowsOf(storage.state), { dekId: 1, fullNodeId: me, localEpoch: 6 }, new Set());
      const seen: number[] = [];
      for (let restart = 0; restart < 2; restart++) {
        const refusal = await start(nodeConfig(path, bugs), storage);
        expect(isEncryptionError(refusal, 'ErrLocalEpochRollback'), `${bugs.join(',')}: ${String(refusal)}`).toBe(true);
        seen.push((await epochsOf(path)).storage);
      }
      expect(seen, `bugs ${bugs.join(',') || '-'}`).toEqual(expected);
      await storage.close();
      storage = undefined;
    }
  });

  it('E16: before the raft cutover the raft epoch stays put across restarts without the switch and rises per start with it', async () => {
    for (const [bugs, expected] of [
      [[], [0, 0]],
      [['E16'], [1, 2]],
    ] as const) {
      const path = join(mkdtempSync(join(dir, 'e16-')), 'node.sidecar');
      await writeSidecar(path, await sidecarWith({ storage: 0, raft: 0 }, false));
      storage = await openMemoryStorage(mkdtempSync(join(dir, 'store-')));
      const seen: number[] = [];
      for (let restart = 0; restart < 2; restart++) {
        expect(await start(nodeConfig(path, bugs), storage)).toBeUndefined();
        seen.push((await epochsOf(path)).raft);
      }
      expect(seen, `bugs ${bugs.join(',') || '-'}`).toEqual(expected);
      expect((await epochsOf(path)).storage).toBe(2);
      await storage.close();
      storage = undefined;
    }
  });
});
