/**
 * KV.Forward over real gRPC on 127.0.0.1, between the follower's
 * ForwardStreamClient and the leader's KV service (its NodeCore scripted):
 * requests are served as unary calls with no_forward set, concurrently, with
 * the client's time left as their deadline; the leader's errors keep their
 * registry code; a graceful shutdown answers what it accepted before the
 * stream ends and refuses later requests ShuttingDown; a leader without
 * the method is served by unary calls.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, NodeError, serviceDefinition } from '../proto/index.js';
import type { AppliedProposal, KvRequest } from '../kv/index.js';
import { asLogIndex } from '../raft/index.js';
import { createForwardStreamClient, type ForwardStreamClient } from './forward-stream.js';
import { createKvService } from './kv-service.js';
import type { LeaderForwarder } from './leader-forwarder.js';
import { systemClock } from './node-clock.js';
import type { NodeCore } from './node-core.js';
import { NodeServer } from './node-server.js';
import type { KvWriteGate } from './write-gate.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

interface Proposal {
  readonly request: KvRequest;
  readonly wrap: boolean | undefined;
  readonly applied: (index: number) => void;
  readonly failed: (error: Error) => void;
}

/** A leader's NodeCore whose proposals wait until the test applies them. */
function scriptedLeader(): { core: NodeCore; proposals: Proposal[] } {
  const proposals: Proposal[] = [];
  const core = {
    assertServing: () => undefined,
    isLeader: () => true,
    get: (key: Uint8Array) =>
      Promise.resolve({ value: new TextDecoder().decode(key) === 'present' ? utf8('v') : null, readIndex: 5 }),
    localRead: () => Promise.reject(new Error('not expected')),
    proposeKv: (build: (commitTs: bigint) => KvRequest, options: { wrap?: boolean }) =>
      new Promise<AppliedProposal>((resolve, reject) => {
        const request = build(1n);
        proposals.push({
          request,
          wrap: options.wrap,
          applied: (index) => {
            const response =
              request.kind === 'put' ? { kind: 'put' as const } : { kind: 'delete' as const, existed: true };
            resolve({ index: asLogIndex(index), response } as unknown as AppliedProposal);
          },
          failed: reject,
        });
      }),
  };
  return { core: core as unknown as NodeCore, proposals };
}

const until = async (ready: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!ready()) throw new Error('condition not reached in 2.5 s');
};

describe('KV.Forward', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function leader(
    options: { bugs?: ReadonlySet<string>; writeGate?: KvWriteGate } = {},
  ): Promise<{ server: NodeServer; client: ForwardStreamClient; proposals: Proposal[] }> {
    const server = new NodeServer({ clock: systemClock });
    const address = await server.bind('127.0.0.1:0');
    const { core, proposals } = scriptedLeader();
    server.open('KV', createKvService(core, {} as LeaderForwarder, systemClock, options.writeGate, options.bugs));
    const client = createForwardStreamClient(address, systemClock);
    cleanups.push(
      () => server.forceShutdown(),
      () => client.close(),
    );
    return { server, client, proposals };
  }

  it('serves concurrent requests on one stream, each answered when it completes', async () => {
    const { client, proposals } = await leader();
    const first = client.put({ key: utf8('a'), value: utf8('1'), noForward: true });
    const second = client.delete({ key: utf8('b'), noForward: true });
    await until(() => proposals.length === 2);
    const read = await client.get({ key: utf8('present'), noForward: true });
    expect(read).toMatchObject({ found: true, readIndex: 5 });
    expect(Buffer.from(read.value).toString()).toBe('v');
    proposals[1]!.applied(8);
    await expect(second).resolves.toEqual({ appliedIndex: 8, existed: true });
    proposals[0]!.applied(7);
    await expect(first).resolves.toEqual({ appliedIndex: 7 });
    expect(client.stats).toMatchObject({ opened: 1, failed: 0, answered: 3, unary: 0 });
  });

  it('keeps a forwarded write a forwarded one (no_forward reaches the leader: E5 proposes it unwrapped)', async () => {
    const { client, proposals } = await leader({ bugs: new Set(['E5']) });
    const put = client.put({ key: utf8('a'), value: utf8('1'), noForward: false });
    await until(() => proposals.length === 1);
    expect(proposals[0]!.wrap).toBe(false);
    proposals[0]!.applied(3);
    await put;
  });

  it("gives the leader the client's time left as the request's deadline", async () => {
    const deadlines: number[] = [];
    const writeGate = {
      admit: (deadlineMs: number) => {
        deadlines.push(deadlineMs);
        return Promise.reject(new NodeError('MutatorsBlocked', 'rotating'));
      },
    } as unknown as KvWriteGate;
    const { client } = await leader({ writeGate });
    const sentAt = Date.now();
    const error = await client.put({ key: utf8('a'), value: utf8('1') }, { timeoutMs: 4_000 }).catch((e: unknown) => e);
    const classification = classifyError(error);
    expect(classification.spec.name).toBe('MutatorsBlocked');
    expect(classification.definite).toBe(true);
    expect(deadlines).toHaveLength(1);
    expect(deadlines[0]! - sentAt).toBeGreaterThan(3_000);
    expect(deadlines[0]! - sentAt).toBeLessThanOrEqual(4_000 + 1_000);
  });

  it("passes the leader's indefinite failures through with their registry code", async () => {
    const { client, proposals } = await leader();
    const put = client.put({ key: utf8('a'), value: utf8('1') });
    await until(() => proposals.length === 1);
    proposals[0]!.failed(new NodeError('ProposalTimeout', 'entry not applied in time'));
    const classification = classifyError(await put.catch((e: unknown) => e));
    expect(classification.spec.name).toBe('ProposalTimeout');
    expect(classification.definite).toBe(false);
    expect(classification.message).toMatch(/entry not applied in time/);
  });

  it('a graceful shutdown answers the accepted request, refuses later ones ShuttingDown, then ends the stream', async () => {
    const { server, client, proposals } = await leader();
    const accepted = client.put({ key: utf8('a'), value: utf8('1') });
    await until(() => proposals.length === 1);
    const stopped = server.shutdown();
    const late = client.put({ key: utf8('b'), value: utf8('2') }).catch((e: unknown) => e);
    const lateClass = classifyError(await late);
    expect(lateClass.spec.name).toBe('ShuttingDown');
    expect(lateClass.definite).toBe(true);
    proposals[0]!.applied(4);
    await expect(accepted).resolves.toEqual({ appliedIndex: 4 });
    await stopped;
    expect(proposals).toHaveLength(1);
  });

  it('falls back to unary calls for a leader that does not serve Forward', async () => {
    const { core, proposals } = scriptedLeader();
    const implementation = createKvService(core, {} as LeaderForwarder, systemClock);
    // An older node: the KV service without Forward answers it UNIMPLEMENTED.
    const legacy = new Server();
    const { Forward: _forward, ...unaryOnly } = implementation;
    legacy.addService(serviceDefinition('KV'), unaryOnly);
    const port = await new Promise<number>((resolve, reject) =>
      legacy.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error === null ? resolve(bound) : reject(error),
      ),
    );
    const client = createForwardStreamClient(`127.0.0.1:${port}`, systemClock);
    cleanups.push(
      () => legacy.forceShutdown(),
      () => client.close(),
    );
    const put = client.put({ key: utf8('a'), value: utf8('1'), noForward: true });
    await until(() => proposals.length === 1);
    proposals[0]!.applied(2);
    await expect(put).resolves.toEqual({ appliedIndex: 2 });
    const again = client.put({ key: utf8('b'), value: utf8('2'), noForward: true });
    await until(() => proposals.length === 2);
    proposals[1]!.applied(3);
    await expect(again).resolves.toEqual({ appliedIndex: 3 });
    expect(client.stats).toMatchObject({ opened: 1, failed: 1, unary: 1 });
  });
});
