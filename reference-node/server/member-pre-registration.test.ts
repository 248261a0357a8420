/**
 * 7c pre-registration: nothing before bootstrap or on a follower; after
 * bootstrap the new member gets epoch-0 rows for the active storage and raft
 * DEKs (storage first); a retry with its rows present proposes nothing; a
 * node16 collision with another full id refuses before proposing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  applyRegistration,
  decodeEncryptionEntry,
  emptySidecar,
  findCollidingRaftId,
  fullNodeId,
  writeSidecar,
} from '../encryption/index.js';
import { FakeRowStore, tempDir } from '../encryption/test/fixtures.js';
import { NodeError } from '../proto/index.js';
import { createLogger } from './logger.js';
import { memberPreRegistration } from './member-pre-registration.js';

async function setup(options: { bootstrapped: boolean; leader?: boolean; bugs?: readonly string[] }) {
  const dir = await tempDir('prereg');
  const sidecarPath = join(dir.dir, 'node.sidecar');
  const key = (purpose: 'storage' | 'raft') => ({
    purpose,
    wrapped: new Uint8Array(60),
    created: '2026-01-01T00:00:00Z',
    localEpoch: 0,
  });
  if (options.bootstrapped)
    await writeSidecar(sidecarPath, {
      ...emptySidecar(),
      active: { storage: 1, raft: 2 },
      keys: new Map([
        [1, key('storage')],
        [2, key('raft')],
      ]),
    });
  const rows = new FakeRowStore();
  const proposed: string[] = [];
  const halts: string[] = [];
  const intercept = memberPreRegistration({
    runtime: { rows, sidecarPath },
    core: {
      isLeader: () => options.leader ?? true,
      linearizableRead: async () => 1,
      proposeAdmin: async (payload) => {
        const entry = decodeEncryptionEntry(payload);
        if (entry.opcode !== 0x03) throw new Error('not a registration');
        proposed.push(`${entry.registration.dekId}:${entry.registration.fullNodeId}@${entry.registration.localEpoch}`);
        const outcome = await applyRegistration(rows, entry.registration, new Set());
        if (outcome.halt) halts.push(outcome.case);
        return { index: proposed.length };
      },
    },
    logger: createLogger({ level: 'silent', format: 'json', nodeId: 't' }),
    bugs: new Set(options.bugs ?? []),
  });
  return { intercept, rows, proposed, halts, remove: dir.remove };
}

describe('memberPreRegistration (7c)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  it('does nothing before bootstrap, nor on a follower', async () => {
    const before = await setup({ bootstrapped: false });
    const follower = await setup({ bootstrapped: true, leader: false });
    cleanup.push(before.remove, follower.remove);
    await before.intercept('n4');
    await follower.intercept('n4');
    expect([...before.proposed, ...follower.proposed]).toEqual([]);
  });

  it('registers the new member at epoch 0 for the active storage then raft DEK, once', async () => {
    const t = await setup({ bootstrapped: true });
    cleanup.push(t.remove);
    await t.intercept('n4');
    const full = fullNodeId('n4');
    expect(t.proposed).toEqual([`1:${full}@0`, `2:${full}@0`]);
    await t.intercept('n4');
    expect(t.proposed).toHaveLength(2);
  });

  it('refuses a member whose node16 collides with another registered full id, proposing nothing', async () => {
    const t = await setup({ bootstrapped: true });
    cleanup.push(t.remove);
    await applyRegistration(t.rows, { dekId: 1, fullNodeId: fullNodeId('n1'), localEpoch: 3 }, new Set());
    const error = await t.intercept(findCollidingRaftId('n1', 'x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).spec.name).toBe('EncryptionFailedPrecondition');
    expect((error as NodeError).message).toContain('ErrWriterUint16Collision');
    expect(t.proposed).toEqual([]);
  });

  it("B37 (bug switch): the colliding member's registration is proposed and its apply halts (every replica applies the same)", async () => {
    const t = await setup({ bootstrapped: true, bugs: ['B37'] });
    cleanup.push(t.remove);
    await applyRegistration(t.rows, { dekId: 1, fullNodeId: fullNodeId('n1'), localEpoch: 3 }, new Set());
    const colliding = findCollidingRaftId('n1', 'x');
    await t.intercept(colliding);
    expect(t.proposed[0]).toBe(`1:${fullNodeId(colliding)}@0`);
    expect(t.halts[0]).toBe('collision');
  });
});
