/**
 * Follower → leader forwarding (documented in kv.proto): a follower sends the
 * request to the leader it knows through the same peer route Raft traffic
 * takes, with `no_forward` set so a request is forwarded at most once.
 * Failures keep their meaning: a registry error from the leader passes
 * through unchanged; a connection that was never established means nothing
 * was sent (NoLeader, definite); any other transport failure may have
 * reached the leader (ForwardFailed, indefinite).
 *
 * A forward never outlives what it is for. Its deadline is the client's
 * remaining deadline (less a margin to answer in), capped by the node's own
 * bound. When the leader changes while a forward is in flight, the forward is
 * cancelled at once (ForwardFailed: it may have been sent) and the clients to
 * the old leader are dropped: a leader killed without closing its sockets
 * (SIGKILL in a container) otherwise holds the call until its deadline.
 * A forward that surely was not sent (refused connection, NotLeader from the
 * target) is retried against the re-resolved leader while time remains.
 * KV requests travel on one Forward stream per leader (forward-stream.ts),
 * with the same outcomes as unary calls. Besides KV and RaftAdmin calls, a node forwards its own writer
 * registration to the leader's EncryptionAdmin (spec §3.4 (b)3).
 */
import {
  classifyError,
  createAdminClient,
  createEncryptionAdminClient,
  errorSpecByCode,
  NodeError,
  TransportErrors,
  type AdminClient,
  type CallOptions,
  type EncryptionAdminClient,
  type KvClient,
  type LeaderHint,
  type NodeErrorName,
} from '../proto/index.js';
import { createForwardStreamClient } from './forward-stream.js';
import type { NodeClock } from './node-clock.js';

/** Bounds of forwarding (one place, STYLE.md 3). */
export const forwardDefaults = Object.freeze({
  /** Time kept back from the client's deadline so the follower's answer reaches it in time. */
  replyMarginMs: 50,
  /** Attempts per request, counting retries to a re-resolved leader after a surely-unsent try. */
  attemptsMax: 3,
});

/** A forwarded call: runs on `client` with the given per-call options (deadline, cancellation). */
export type ForwardCall<C, T> = (client: C, options: Required<CallOptions>) => Promise<T>;

/** Construction parameters of the forwarder. */
export interface LeaderForwarderOptions {
  /** The peer route (host:port) of a node id. */
  readonly routeOf: (id: string) => string | undefined;
  /** Who this node believes leads now. */
  readonly leaderHint: () => LeaderHint;
  /** Subscribes to leader changes; returns the unsubscribe function. */
  readonly onLeaderChange: (listener: (hint: LeaderHint) => void) => () => void;
  /** Upper bound of one forwarded call, whatever the client's deadline. */
  readonly callTimeoutMs: number;
  /** Reads the time left before a client's deadline (epoch ms) and times the default Forward streams. */
  readonly clock: NodeClock;
  /** Client factories (tests substitute them). */
  readonly createKv?: (address: string) => KvClient;
  readonly createAdmin?: (address: string) => AdminClient;
  readonly createEncryptionAdmin?: (address: string) => EncryptionAdminClient;
}

/** Definite failures that only say the target was not (or no longer) the leader: safe to retry elsewhere. */
const routingFailures: ReadonlySet<string> = new Set<NodeErrorName>(['NoLeader', 'NotLeader']);

/** Forwards requests to the current leader. */
export class LeaderForwarder {
  private readonly kvClients = new Map<string, KvClient>();
  private readonly adminClients = new Map<string, AdminClient>();
  private readonly encryptionAdminClients = new Map<string, EncryptionAdminClient>();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: LeaderForwarderOptions) {
    this.unsubscribe = options.onLeaderChange((hint) => this.dropStaleClients(hint));
  }

  /** Calls `call` on the leader's KV service; `deadlineMs` is the client's deadline (epoch ms, Infinity if none). */
  kv<T>(call: ForwardCall<KvClient, T>, deadlineMs: number): Promise<T> {
    const create =
      this.options.createKv ?? ((address: string) => createForwardStreamClient(address, this.options.clock));
    return this.forward((address) => cached(this.kvClients, address, create), call, deadlineMs, true);
  }

  /**
   * Calls `call` on the leader's RaftAdmin service; `deadlineMs` as for `kv`.
   * A leadership transfer passes `cancelOnLeaderChange: false`: the leader
   * changing is its expected outcome, not a sign the target died.
   */
  admin<T>(call: ForwardCall<AdminClient, T>, deadlineMs: number, cancelOnLeaderChange = true): Promise<T> {
    const create = this.options.createAdmin ?? createAdminClient;
    return this.forward(
      (address) => cached(this.adminClients, address, create),
      call,
      deadlineMs,
      cancelOnLeaderChange,
    );
  }

  /** Calls `call` on the leader's EncryptionAdmin service; `deadlineMs` as for `kv`. */
  encryptionAdmin<T>(call: ForwardCall<EncryptionAdminClient, T>, deadlineMs: number): Promise<T> {
    const create = this.options.createEncryptionAdmin ?? createEncryptionAdminClient;
    return this.forward((address) => cached(this.encryptionAdminClients, address, create), call, deadlineMs, true);
  }

  /** The number of cached clients (kv + admin + encryption admin), for tests and status. */
  get cachedClients(): number {
    return this.kvClients.size + this.adminClients.size + this.encryptionAdminClients.size;
  }

  close(): void {
    this.unsubscribe();
    for (const client of [
      ...this.kvClients.values(),
      ...this.adminClients.values(),
      ...this.encryptionAdminClients.values(),
    ])
      client.close();
    this.kvClients.clear();
    this.adminClients.clear();
    this.encryptionAdminClients.clear();
  }

  private async forward<C, T>(
    clientFor: (address: string) => C,
    call: ForwardCall<C, T>,
    deadlineMs: number,
    cancelOnLeaderChange: boolean,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const hint = this.options.leaderHint();
      if (hint.leaderId === '') throw new NodeError('NoLeader', 'no leader is known to forward to');
      const address = this.options.routeOf(hint.leaderId);
      if (address === undefined) throw new NodeError('NoLeader', `the address of leader ${hint.leaderId} is unknown`);
      const timeoutMs = Math.min(
        this.options.callTimeoutMs,
        deadlineMs - this.options.clock.nowMs() - forwardDefaults.replyMarginMs,
      );
      if (timeoutMs <= 0)
        throw new NodeError(
          'NoLeader',
          `no time left to forward to leader ${hint.leaderId} before the client's deadline; nothing was sent`,
          hint,
        );
      try {
        return await this.attempt(clientFor(address), call, hint, timeoutMs, cancelOnLeaderChange);
      } catch (error) {
        const failure = error instanceof NodeError ? error : forwardError(error, hint);
        const leaderMoved = this.options.leaderHint().leaderId !== hint.leaderId;
        if (!routingFailures.has(failure.spec.name) || attempt >= forwardDefaults.attemptsMax || !leaderMoved)
          throw failure;
      }
    }
  }

  /** One forwarded call, cancelled if the leader changes away from `hint` meanwhile. */
  private async attempt<C, T>(
    client: C,
    call: ForwardCall<C, T>,
    hint: LeaderHint,
    timeoutMs: number,
    cancelOnLeaderChange: boolean,
  ): Promise<T> {
    const abort = new AbortController();
    let newLeader: string | undefined;
    const stop = this.options.onLeaderChange((next) => {
      if (!cancelOnLeaderChange || next.leaderId === hint.leaderId) return;
      newLeader = next.leaderId;
      abort.abort();
    });
    try {
      return await call(client, { timeoutMs, signal: abort.signal });
    } catch (error) {
      if (newLeader === undefined) throw forwardError(error, hint);
      const now = newLeader === '' ? 'no leader is known' : `${newLeader} leads`;
      throw new NodeError(
        'ForwardFailed',
        `leadership moved away from ${hint.leaderId} while forwarding (now ${now}); the request may have been sent`,
        hint,
      );
    } finally {
      stop();
    }
  }

  /** Closes the clients of every address but the new leader's, so a dead leader's channel is not reused. */
  private dropStaleClients(hint: LeaderHint): void {
    const keep = hint.leaderId === '' ? undefined : this.options.routeOf(hint.leaderId);
    for (const clients of [this.kvClients, this.adminClients, this.encryptionAdminClients] as Map<
      string,
      { close(): void }
    >[]) {
      for (const [address, client] of clients) {
        if (address === keep) continue;
        client.close();
        clients.delete(address);
      }
    }
  }
}

function cached<C>(clients: Map<string, C>, address: string, create: (address: string) => C): C {
  let client = clients.get(address);
  if (client === undefined) {
    client = create(address);
    clients.set(address, client);
  }
  return client;
}

/** The registry error a failed forward answers with. */
export function forwardError(error: unknown, hint: LeaderHint): NodeError {
  const classification = classifyError(error);
  const { spec } = classification;
  if (errorSpecByCode(spec.code) === spec) {
    return new NodeError(
      spec.name as NodeErrorName,
      `leader ${hint.leaderId}: ${classification.message}`,
      classification.leaderHint,
    );
  }
  if (spec === TransportErrors.ConnectionRefused) {
    return new NodeError(
      'NoLeader',
      `leader ${hint.leaderId} at its route is unreachable; nothing was sent (${classification.message})`,
      hint,
    );
  }
  return new NodeError(
    'ForwardFailed',
    `forwarding to leader ${hint.leaderId} failed: ${classification.message}`,
    hint,
  );
}
