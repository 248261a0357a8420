/**
 * Forwarding to a leader that dies or moves: the forward is bounded by the
 * client's deadline, cancelled when the leader changes (a SIGKILLed leader in
 * a container never resets the connection), retried elsewhere only when it
 * surely was not sent. Fake leaders are in-process gRPC servers on 127.0.0.1.
 */
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createKvClient, NodeError, serviceDefinition, type KvClient, type LeaderHint } from '../proto/index.js';
import type * as M from '../proto/index.js';
import { forwardDefaults, LeaderForwarder } from './leader-forwarder.js';
import { systemClock } from './node-clock.js';
import { unaryHandler } from './unary-handler.js';
import { freePort } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const hintOf = (leaderId: string): LeaderHint => ({ leaderId, leaderAddress: '' });

type PutHandler = (call: ServerUnaryCall<M.PutRequest, M.PutResponse>, callback: sendUnaryData<M.PutResponse>) => void;

/** A fake leader serving only KV.Put with `put`. */
async function fakeLeader(put: PutHandler): Promise<{ address: string; server: Server }> {
  const server = new Server();
  server.addService(serviceDefinition('KV'), { Put: put });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    );
  });
  return { address: `127.0.0.1:${port}`, server };
}

/** A leader view the test drives: who leads, where they are, and change notifications. */
class LeaderView {
  private readonly listeners = new Set<(hint: LeaderHint) => void>();
  constructor(
    public leader: string,
    readonly routes: Map<string, string>,
  ) {}
  change(leader: string): void {
    this.leader = leader;
    for (const listener of [...this.listeners]) listener(hintOf(leader));
  }
  forwarder(
    callTimeoutMs: number,
    extra: { createKv?: (address: string) => KvClient; leaderHint?: () => LeaderHint } = {},
  ): LeaderForwarder {
    return new LeaderForwarder({
      routeOf: (id) => this.routes.get(id),
      leaderHint: extra.leaderHint ?? (() => hintOf(this.leader)),
      onLeaderChange: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      callTimeoutMs,
      clock: systemClock,
      ...(extra.createKv === undefined ? {} : { createKv: extra.createKv }),
    });
  }
}

const put = (forwarder: LeaderForwarder, deadlineMs = Infinity): Promise<M.PutResponse> =>
  forwarder.kv(
    (client, options) => client.put({ key: utf8('k'), value: utf8('v'), noForward: true }, options),
    deadlineMs,
  );

describe('LeaderForwarder', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  it('cancels a forward hanging on a dead leader as soon as the leader changes (ForwardFailed, indefinite) and drops its client', async () => {
    let received!: () => void;
    const reachedLeader = new Promise<void>((resolve) => (received = resolve));
    // The "killed" leader: accepts the call and never answers, like a container gone without a RST.
    const dead = await fakeLeader(() => received());
    cleanup.push(() => dead.server.forceShutdown());
    const view = new LeaderView('n1', new Map([['n1', dead.address]]));
    // The node's own bound is far beyond the test's timeout: only the cancellation can end the call in time.
    const forwarder = view.forwarder(60_000);
    cleanup.push(() => forwarder.close());
    const outcome = put(forwarder).then(
      () => undefined,
      (error: unknown) => error,
    );
    await reachedLeader;
    expect(forwarder.cachedClients).toBe(1);
    view.change('n2');
    const error = await outcome;
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).spec.name).toBe('ForwardFailed');
    expect((error as NodeError).spec.definite).toBe(false);
    expect((error as NodeError).message).toMatch(/moved away from n1/);
    expect(forwarder.cachedClients).toBe(0);
  });

  it('bounds the forward by the client deadline less the reply margin, and by its own bound', async () => {
    const seen: number[] = [];
    const fake = {
      address: 'fake',
      close: () => undefined,
      put: async (_r: unknown, o: { timeoutMs: number }) => (seen.push(o.timeoutMs), { appliedIndex: 1 }),
    };
    const view = new LeaderView('n1', new Map([['n1', 'fake']]));
    const forwarder = view.forwarder(6_000, { createKv: () => fake as unknown as KvClient });
    const before = Date.now();
    await put(forwarder, before + 2_000);
    await put(forwarder, Infinity);
    await put(forwarder, before + 60_000);
    expect(seen[0]).toBeLessThanOrEqual(2_000 - forwardDefaults.replyMarginMs);
    expect(seen[0]).toBeGreaterThan(1_000);
    expect(seen.slice(1)).toEqual([6_000, 6_000]);
  });

  it('refuses to forward past the client deadline without sending (NoLeader, definite)', async () => {
    let calls = 0;
    const view = new LeaderView('n1', new Map([['n1', 'fake']]));
    const forwarder = view.forwarder(6_000, {
      createKv: () => ({ address: 'fake', close: () => undefined }) as unknown as KvClient,
    });
    const error = await forwarder
      .kv(async () => ++calls, Date.now() + forwardDefaults.replyMarginMs - 1)
      .catch((e: unknown) => e);
    expect((error as NodeError).spec.name).toBe('NoLeader');
    expect(calls).toBe(0);
  });

  it('retries a surely-unsent forward on the re-resolved leader', async () => {
    const live = await fakeLeader((_call, callback) => callback(null, { appliedIndex: 7 }));
    cleanup.push(() => live.server.forceShutdown());
    const deadAddress = `127.0.0.1:${await freePort()}`;
    const view = new LeaderView(
      'n1',
      new Map([
        ['n1', deadAddress],
        ['n2', live.address],
      ]),
    );
    let asked = 0;
    // The first look-up still names the dead n1; by the time its refusal comes back n2 leads.
    const forwarder = view.forwarder(5_000, { leaderHint: () => hintOf(asked++ === 0 ? 'n1' : 'n2') });
    cleanup.push(() => forwarder.close());
    const response = await put(forwarder, Date.now() + 4_000);
    expect(Number(response.appliedIndex)).toBe(7);
  });

  it('forwards an EncryptionAdmin call to the leader route bounded by the client deadline, and closes its cached client', async () => {
    const view = new LeaderView(
      'n1',
      new Map([
        ['n1', 'addr-n1'],
        ['n2', 'addr-n2'],
      ]),
    );
    const seen: string[] = [];
    let closed = 0;
    const forwarder = new LeaderForwarder({
      routeOf: (id) => view.routes.get(id),
      leaderHint: () => hintOf(view.leader),
      onLeaderChange: () => () => undefined,
      callTimeoutMs: 5_000,
      clock: systemClock,
      createEncryptionAdmin: (address) => {
        const unused = (): Promise<never> => Promise.reject(new Error('not called'));
        return {
          address,
          getCapability: unused,
          getSidecarState: unused,
          resyncSidecar: unused,
          bootstrapEncryption: unused,
          rotateDek: unused,
          enableStorageEnvelope: unused,
          enableRaftEnvelope: unused,
          registerEncryptionWriter: async (request, options) => {
            const timeoutMs = options?.timeoutMs ?? Infinity;
            seen.push(
              `${address} RegisterEncryptionWriter ${JSON.stringify(request)} ${timeoutMs <= 1_000 - forwardDefaults.replyMarginMs ? 'bounded' : timeoutMs}`,
            );
            return { appliedIndex: '9' };
          },
          close: () => {
            closed++;
          },
        };
      },
    });
    cleanup.push(() => forwarder.close());
    const request = { dekId: 1, writers: [{ fullNodeId: '7', localEpoch: 0 }] };
    const answer = await forwarder.encryptionAdmin(
      (client, options) => client.registerEncryptionWriter(request, options),
      Date.now() + 1_000,
    );
    expect(answer.appliedIndex).toBe('9');
    expect(seen).toEqual([`addr-n1 RegisterEncryptionWriter ${JSON.stringify(request)} bounded`]);
    expect(forwarder.cachedClients).toBe(1);
    forwarder.close();
    expect(closed).toBe(1);
  });

  it('never retries a forward that may have been sent', async () => {
    let secondLeaderCalls = 0;
    const lost = await fakeLeader((_call, callback) =>
      callback({ code: GrpcStatus.UNAVAILABLE, details: 'connection reset mid-call' }),
    );
    const other = await fakeLeader((_call, callback) => (secondLeaderCalls++, callback(null, { appliedIndex: 1 })));
    cleanup.push(
      () => lost.server.forceShutdown(),
      () => other.server.forceShutdown(),
    );
    const view = new LeaderView(
      'n1',
      new Map([
        ['n1', lost.address],
        ['n2', other.address],
      ]),
    );
    let asked = 0;
    const forwarder = view.forwarder(5_000, { leaderHint: () => hintOf(asked++ === 0 ? 'n1' : 'n2') });
    cleanup.push(() => forwarder.close());
    const error = await put(forwarder).catch((e: unknown) => e);
    expect((error as NodeError).spec.name).toBe('ForwardFailed');
    expect(secondLeaderCalls).toBe(0);
  });

  it('lets a forwarded leadership transfer outlive the leader change it causes', async () => {
    const view = new LeaderView('n1', new Map([['n1', 'fake']]));
    const forwarder = view.forwarder(5_000);
    cleanup.push(() => forwarder.close());
    const transfer = forwarder.admin(
      (_client, options) =>
        new Promise<string>((resolve, reject) => {
          options.signal.addEventListener('abort', () => reject(new Error('cancelled')));
          setTimeout(() => resolve('transferred'), 20);
        }),
      Infinity,
      false,
    );
    view.change('n2');
    await expect(transfer).resolves.toBe('transferred');
  });
});

describe('unaryHandler', () => {
  it("hands the handler the client's deadline", async () => {
    const deadlines: number[] = [];
    const server = new Server();
    server.addService(serviceDefinition('KV'), {
      Put: unaryHandler(
        async (_request: M.PutRequest, deadlineMs) => (deadlines.push(deadlineMs), { appliedIndex: 1 }),
      ),
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error === null ? resolve(bound) : reject(error),
      );
    });
    const client = createKvClient(`127.0.0.1:${port}`);
    try {
      const sentAt = Date.now();
      await client.put({ key: utf8('k'), value: utf8('v') }, { timeoutMs: 3_000 });
      expect(deadlines).toHaveLength(1);
      expect(Math.abs(deadlines[0]! - (sentAt + 3_000))).toBeLessThan(500);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
