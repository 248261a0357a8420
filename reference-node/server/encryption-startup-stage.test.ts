/**
 * The stage decision points of the encryption startup wiring (spec §7.1,
 * §7.8, §8.2): the KEK-less applier every stage since 6A wires, and the
 * startup guards that arrived in 6C.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  emptySidecar,
  encodeBootstrapEntry,
  encodeRegistrationEntry,
  encodeRotationEntry,
  isEncryptionError,
  readRegistryRow,
  ROTATION_SUBTAG,
  writeSidecar,
} from '../encryption/index.js';
import { HaltError } from '../kv/index.js';
import { asLogIndex } from '../raft/types.js';
import type { NodeStorage } from '../storage/index.js';
import { openMemoryStorage } from '../storage/test/memory-storage.js';
import { keylessEncryptionApplier, prepareEncryption, rawRowsOf } from './encryption-startup.js';
import { systemClock } from './node-clock.js';
import type { NodeConfig } from './node-config.js';
import { parseNodeFlags } from './parse-node-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'ekv-stage-wiring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kekPath = join(dir, 'kek.bin');
writeFileSync(kekPath, randomBytes(32), { mode: 0o600 });

function nodeConfig(stage: string, flags: readonly string[] = []): NodeConfig {
  const outcome = parseNodeFlags([
    '--id',
    'n1',
    '--listen',
    '127.0.0.1:7001',
    '--peers',
    'n1=127.0.0.1:7001',
    '--data-dir',
    join(dir, 'data'),
    '--stage',
    stage,
    ...flags,
  ]);
  if (outcome.kind !== 'config') throw new Error(outcome.output);
  return outcome.config;
}

const bootstrap = encodeBootstrapEntry({
  storageDekId: 1,
  wrappedStorage: new Uint8Array(60).fill(1),
  raftDekId: 2,
  wrappedRaft: new Uint8Array(60).fill(2),
  batch: [
    { dekId: 1, fullNodeId: 99n, localEpoch: 0 },
    { dekId: 2, fullNodeId: 99n, localEpoch: 0 },
  ],
});
const storageCutover = encodeRotationEntry({
  subtag: ROTATION_SUBTAG.enableStorageEnvelope,
  dekId: 1,
  purpose: 'storage',
  wrapped: new Uint8Array(0),
  proposer: { dekId: 1, fullNodeId: 99n, localEpoch: 0 },
});

describe('the KEK-less applier (every stage since 6A)', () => {
  let storage: NodeStorage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  async function applyOn(stage: string, payload: Uint8Array, index = 10) {
    storage ??= await openMemoryStorage(mkdtempSync(join(dir, 'store-')));
    return keylessEncryptionApplier(nodeConfig(stage), storage.state, systemClock).apply({
      index: asLogIndex(index),
      payload,
      store: storage.state,
    });
  }

  it('applies a registration (0x03) to the raw registry rows', async () => {
    const outcome = await applyOn('6A', encodeRegistrationEntry({ dekId: 7, fullNodeId: 12345n, localEpoch: 3 }));
    expect(outcome).toEqual({ kind: 'encryption', detail: 'registration' });
    expect(await readRegistryRow(rawRowsOf(storage!.state), 7, 12345n)).toMatchObject({
      fullNodeId: 12345n,
      lastSeenEpoch: 3,
    });
  });

  it('halts on a bootstrap with a reason naming ErrKEKNotConfigured, again on replay', async () => {
    for (let load = 0; load < 2; load++) {
      const outcome = await applyOn('6A', bootstrap);
      expect(outcome).toBeInstanceOf(HaltError);
      expect((outcome as HaltError).reason).toBe('ErrEncryptionApply');
      expect((outcome as HaltError).message).toMatch(/ErrKEKNotConfigured/);
      expect(isEncryptionError((outcome as HaltError).cause, 'ErrKEKNotConfigured')).toBe(true);
    }
  });

  it('halts on the Phase-1 sub-tag with ErrFSMWireSubtag below 6D, with ErrKEKNotConfigured from 6D on', async () => {
    const at6C = await applyOn('6C', storageCutover);
    expect((at6C as HaltError).message).toMatch(/ErrFSMWireSubtag: rotation sub-tag 0x04/);
    const at6D = await applyOn('6D', storageCutover);
    expect((at6D as HaltError).message).toMatch(/ErrKEKNotConfigured/);
    expect((at6D as HaltError).message).not.toMatch(/ErrFSMWireSubtag/);
  });
});

describe('startup guards arrive in 6C (spec §8.2)', () => {
  const refusal = async (config: NodeConfig): Promise<unknown> =>
    prepareEncryption(config).then(
      () => undefined,
      (error: unknown) => error,
    );

  it('--encryption-enabled without a KEK: 6B starts unwired, 6C refuses with ErrKEKRequiredWithFlag', async () => {
    expect(await prepareEncryption(nodeConfig('6B', ['--encryption-enabled']))).toBeNull();
    expect(isEncryptionError(await refusal(nodeConfig('6C', ['--encryption-enabled'])), 'ErrKEKRequiredWithFlag')).toBe(
      true,
    );
  });

  it('a sidecar without the flag: 6B ignores it, 6C refuses with ErrSidecarPresentWithoutFlag', async () => {
    const sidecarPath = join(dir, 'present.sidecar');
    await writeSidecar(sidecarPath, emptySidecar());
    expect(await prepareEncryption(nodeConfig('6B', ['--sidecar-path', sidecarPath]))).toBeNull();
    expect(
      isEncryptionError(
        await refusal(nodeConfig('6C', ['--sidecar-path', sidecarPath])),
        'ErrSidecarPresentWithoutFlag',
      ),
    ).toBe(true);
  });

  it('6B with flag, KEK and sidecar path loads the KEK and the sidecar', async () => {
    const sidecarPath = join(dir, 'wired.sidecar');
    await writeSidecar(sidecarPath, emptySidecar());
    const prepared = await prepareEncryption(
      nodeConfig('6B', ['--encryption-enabled', '--kek-file', kekPath, '--sidecar-path', sidecarPath]),
    );
    expect(prepared?.sidecar).toEqual(emptySidecar());
    expect(prepared?.kek).toBeDefined();
  });
});
