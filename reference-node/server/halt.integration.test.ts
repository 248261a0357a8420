/**
 * The halt test double (spec §5.4): DebugProposeRaw with the reserved opcode
 * 0x06 halts apply on every replica at the same index; Status reports it;
 * new work is refused with NodeHalted; after a restart every node replays
 * and halts again at the same index; with the default --exit-on-halt the
 * process exits with code 3. Status names the halt by its registry code, and
 * a `local` Get still answers from the node's frozen state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, EncryptionErrors, NodeErrors } from '../proto/index.js';
import { ProcessCluster, waitFor } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('apply halt', () => {
  let cluster: ProcessCluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  async function haltIndexes(ids: readonly string[]): Promise<number[]> {
    return waitFor('every node to report the halt', 15_000, async () => {
      const statuses = await Promise.all(ids.map((id) => cluster!.status(id)));
      return statuses.every((s) => s.halted) ? statuses.map((s) => s.haltIndex) : undefined;
    });
  }

  it('halts every replica at the same index, and again after a restart', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, [
      '--tick-ms',
      '20',
      '--test-hooks',
      '--no-exit-on-halt',
    ]);
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    expect(await cluster.status(leader)).toMatchObject({ halted: false, haltCode: 0, haltError: '', haltIndex: 0 });
    await cluster.kv(leader).put({ key: utf8('before'), value: utf8('halt') });

    const outcome = await cluster
      .admin(leader)
      .debugProposeRaw({ payload: Uint8Array.of(0x06) })
      .catch((error: unknown) => error);
    const classified = classifyError(outcome);
    expect(classified.spec).toBe(NodeErrors.HaltedWhilePending);
    expect(classified.definite).toBe(false);

    const indexes = await haltIndexes(cluster.ids());
    expect(new Set(indexes).size).toBe(1);
    const haltIndex = indexes[0]!;
    // The reserved opcode halts with the apply sentinel itself (its chain holds no more specific entry).
    const haltOf = { haltCode: EncryptionErrors.ErrEncryptionApply.code, haltError: 'ErrEncryptionApply' };
    for (const id of cluster.ids()) {
      const status = await cluster.status(id);
      expect(status.appliedIndex).toBe(haltIndex - 1);
      expect(status.haltReason).toMatch(/ErrEncryptionApply/);
      expect(status).toMatchObject(haltOf);
      // A local read answers from the frozen state, at the applied index just below the halt.
      const local = await cluster.kv(id).get({ key: utf8('before'), local: true });
      expect({ found: local.found, value: text(local.value), readIndex: local.readIndex }).toEqual({
        found: true,
        value: 'halt',
        readIndex: haltIndex - 1,
      });
    }
    const refused = await cluster
      .kv(leader)
      .put({ key: utf8('after'), value: utf8('x') })
      .catch((error: unknown) => error);
    expect(classifyError(refused).spec).toBe(NodeErrors.NodeHalted);
    const linearizable = await cluster
      .kv(leader)
      .get({ key: utf8('before') })
      .catch((error: unknown) => error);
    expect(classifyError(linearizable).spec).toBe(NodeErrors.NodeHalted);

    await Promise.all(cluster.ids().map((id) => cluster!.kill(id, 'SIGTERM')));
    await cluster.startAll();
    expect(await haltIndexes(cluster.ids())).toEqual([haltIndex, haltIndex, haltIndex]);
    for (const id of cluster.ids()) expect(await cluster.status(id)).toMatchObject(haltOf);

    // The production fatal path: without --no-exit-on-halt the replay halts and the process exits 3.
    await cluster.kill('n1');
    await cluster.start('n1', ['--exit-on-halt']);
    expect(await cluster.exited('n1')).toBe(3);
  }, 60_000);

  it('refuses DebugProposeRaw without --test-hooks (definite)', async () => {
    cluster = await ProcessCluster.create(['n1'], 1);
    await cluster.startAll();
    await cluster.waitForLeader();
    const refused = await cluster
      .admin('n1')
      .debugProposeRaw({ payload: Uint8Array.of(0x06) })
      .catch((error: unknown) => error);
    const classified = classifyError(refused);
    expect(classified.spec).toBe(NodeErrors.TestHooksDisabled);
    expect(classified.definite).toBe(true);
    expect((await cluster.status('n1')).halted).toBe(false);
  }, 30_000);
});
