// Properties of the applier over random valid entry sequences:
//  - determinism (I3): replicas with different pinned epochs reach the same
//    active ids, cutover indexes, keys and writer registry;
//  - replay idempotency (§5.4): re-applying the last applied entry after a
//    crash (fresh keystore hydrated from the sidecar) succeeds and changes nothing.
import fc from 'fast-check';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionApplier } from './applier.js';
import type { EncryptionApplierDeps } from './applier-context.js';
import { encodeBootstrapEntry, encodeRegistrationEntry, encodeRotationEntry } from './fsm-wire.js';
import { hydrateKeystore } from './key-lifecycle.js';
import { Keystore } from './keystore.js';
import { fullNodeId } from './node-identity.js';
import { serializeSidecar, type Sidecar } from './sidecar-codec.js';
import { readSidecar } from './sidecar-file.js';
import { StateCache } from './state-cache.js';
import { FakeRowStore, keyBytes, tempDir, testKek } from './test/fixtures.js';

const kek = testKek();
const NODES = [fullNodeId('n1'), fullNodeId('n2'), fullNodeId('n3')];

type Step =
  | { readonly op: 'register'; readonly node: number; readonly purpose: 'storage' | 'raft'; readonly bump: boolean }
  | { readonly op: 'rotate'; readonly purpose: 'storage' | 'raft'; readonly node: number }
  | { readonly op: 'enable'; readonly purpose: 'storage' | 'raft'; readonly node: number; readonly stale: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('register' as const),
    node: fc.nat(2),
    purpose: fc.constantFrom('storage' as const, 'raft' as const),
    bump: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('rotate' as const),
    purpose: fc.constantFrom('storage' as const, 'raft' as const),
    node: fc.nat(2),
  }),
  fc.record({
    op: fc.constant('enable' as const),
    purpose: fc.constantFrom('storage' as const, 'raft' as const),
    node: fc.nat(2),
    stale: fc.boolean(),
  }),
);

/** Turns abstract steps into valid payloads by tracking the model's active ids and registry epochs. */
function buildLog(steps: readonly Step[]): Uint8Array[] {
  const active = { storage: 10, raft: 20 };
  let nextId = 30;
  const last = new Map<string, number>();
  const epochFor = (dek: number, node: number, bump: boolean): number => {
    const key = `${dek}/${node}`;
    const epoch = (last.get(key) ?? 0) + (bump ? 1 : 0);
    last.set(key, epoch);
    return epoch;
  };
  const log: Uint8Array[] = [
    encodeBootstrapEntry({
      storageDekId: 10,
      wrappedStorage: kek.wrapDek(keyBytes(10)),
      raftDekId: 20,
      wrappedRaft: kek.wrapDek(keyBytes(20)),
      batch: NODES.flatMap((n) => [
        { dekId: 10, fullNodeId: n, localEpoch: 0 },
        { dekId: 20, fullNodeId: n, localEpoch: 0 },
      ]),
    }),
  ];
  NODES.forEach((_, i) => {
    last.set(`10/${i}`, 0);
    last.set(`20/${i}`, 0);
  });
  for (const step of steps) {
    if (step.op === 'register') {
      const dek = active[step.purpose];
      log.push(
        encodeRegistrationEntry({
          dekId: dek,
          fullNodeId: NODES[step.node]!,
          localEpoch: epochFor(dek, step.node, step.bump),
        }),
      );
    } else if (step.op === 'rotate') {
      const dek = nextId++;
      active[step.purpose] = dek;
      log.push(
        encodeRotationEntry({
          subtag: 1,
          dekId: dek,
          purpose: step.purpose,
          wrapped: kek.wrapDek(keyBytes(dek)),
          proposer: { dekId: dek, fullNodeId: NODES[step.node]!, localEpoch: epochFor(dek, step.node, true) },
        }),
      );
    } else {
      const dek = step.stale ? 999 : active[step.purpose];
      const epoch = step.stale ? 0 : epochFor(dek, step.node, false);
      log.push(
        encodeRotationEntry({
          subtag: step.purpose === 'storage' ? 4 : 5,
          dekId: dek,
          purpose: step.purpose,
          wrapped: new Uint8Array(0),
          proposer: { dekId: dek, fullNodeId: NODES[step.node]!, localEpoch: epoch },
        }),
      );
    }
  }
  return log;
}

interface Replica {
  readonly deps: EncryptionApplierDeps;
  readonly rows: FakeRowStore;
  readonly installs: string[];
}

function replica(dir: string, pinned: number): Replica {
  const rows = new FakeRowStore();
  const installs: string[] = [];
  const deps: EncryptionApplierDeps = {
    rows,
    sidecarPath: join(dir, 'keys.json'),
    keystore: new Keystore(),
    kek,
    pinnedEpochs: { storage: pinned, raft: pinned },
    installer: async (cutover, dek) => void installs.push(`${cutover}:${dek}`),
    stateCache: new StateCache(),
    clockMs: () => 0,
  };
  return { deps, rows, installs };
}

/** The replicated part of a sidecar: everything but the per-node epochs and timestamps. */
function replicated(sc: Sidecar | null): unknown {
  if (sc === null) return null;
  return { ...sc, keys: [...sc.keys].map(([id, k]) => [id, k.purpose, Buffer.from(k.wrapped).toString('hex')]).sort() };
}

describe('applier over random valid logs', () => {
  let root = '';
  let remove: () => Promise<void> = async () => undefined;
  let run = 0;
  beforeAll(async () => {
    ({ dir: root, remove } = await tempDir('replay'));
  });
  afterAll(async () => remove());

  it('replicas converge, and re-applying the last entry after a crash is a no-op (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 8 }), async (steps) => {
        const log = buildLog(steps);
        const a = replica(join(root, `${run}-a`), 3);
        const b = replica(join(root, `${run++}-b`), 7);
        await Promise.all([a, b].map((r) => mkdir(join(r.deps.sidecarPath ?? '', '..'), { recursive: true })));
        const applierA = new EncryptionApplier(a.deps);
        const applierB = new EncryptionApplier(b.deps);
        for (const [i, payload] of log.entries()) {
          const index = i + 1;
          const resultA = await applierA.apply(payload, index);
          expect(resultA.kind).toBe('ok');
          expect((await applierB.apply(payload, index)).kind).toBe('ok');
          // Crash after the apply, before the engine advanced: restart (hydrate a fresh keystore) and re-apply.
          const before = await readSidecar(a.deps.sidecarPath ?? '');
          const rowsBefore = new Map(a.rows.rows);
          const restartedKeystore = new Keystore();
          if (before !== null) hydrateKeystore(before, kek, restartedKeystore);
          const restarted = new EncryptionApplier({ ...a.deps, keystore: restartedKeystore });
          expect((await restarted.apply(payload, index)).kind).toBe('ok');
          const after = await readSidecar(a.deps.sidecarPath ?? '');
          expect(after === null ? null : serializeSidecar(after)).toBe(
            before === null ? null : serializeSidecar(before),
          );
          expect(a.rows.rows).toEqual(rowsBefore);
        }
        expect(replicated(await readSidecar(b.deps.sidecarPath ?? ''))).toEqual(
          replicated(await readSidecar(a.deps.sidecarPath ?? '')),
        );
        expect(b.rows.rows).toEqual(a.rows.rows);
        expect(b.deps.keystore?.ids()).toEqual(a.deps.keystore?.ids());
      }),
      { numRuns: 40 },
    );
  });
});
