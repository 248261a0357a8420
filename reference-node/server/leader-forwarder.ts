/**
 * Follower → leader forwarding (documented in kv.proto): a follower sends the
 * request to the leader it knows through the same peer route Raft traffic
 * takes, with `no_forward` set so a request is forwarded at most once.
 * Failures keep their meaning: a registry error from the leader passes
 * through unchanged; a connection that was never established means nothing
 * was sent (NoLeader, definite); any other transport failure may have
 * reached the leader (ForwardFailed, indefinite).
 */
import {
  classifyError,
  createAdminClient,
  createKvClient,
  errorSpecByCode,
  NodeError,
  TransportErrors,
  type AdminClient,
  type KvClient,
  type LeaderHint,
  type NodeErrorName,
} from '../proto/index.js';

/** Forwards requests to the current leader. */
export class LeaderForwarder {
  private readonly kvClients = new Map<string, KvClient>();
  private readonly adminClients = new Map<string, AdminClient>();

  constructor(
    private readonly routeOf: (id: string) => string | undefined,
    private readonly leaderHint: () => LeaderHint,
    private readonly callTimeoutMs: number,
  ) {}

  /** Calls `call` on the leader's KV service. */
  kv<T>(call: (client: KvClient, timeoutMs: number) => Promise<T>): Promise<T> {
    return this.forward((address) => cached(this.kvClients, address, createKvClient), call);
  }

  /** Calls `call` on the leader's RaftAdmin service. */
  admin<T>(call: (client: AdminClient, timeoutMs: number) => Promise<T>): Promise<T> {
    return this.forward((address) => cached(this.adminClients, address, createAdminClient), call);
  }

  close(): void {
    for (const client of [...this.kvClients.values(), ...this.adminClients.values()]) client.close();
    this.kvClients.clear();
    this.adminClients.clear();
  }

  private async forward<C, T>(clientFor: (address: string) => C, call: (client: C, timeoutMs: number) => Promise<T>): Promise<T> {
    const hint = this.leaderHint();
    if (hint.leaderId === '') throw new NodeError('NoLeader', 'no leader is known to forward to');
    const address = this.routeOf(hint.leaderId);
    if (address === undefined) throw new NodeError('NoLeader', `the address of leader ${hint.leaderId} is unknown`);
    try {
      return await call(clientFor(address), this.callTimeoutMs);
    } catch (error) {
      throw forwardError(error, hint);
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
    return new NodeError(spec.name as NodeErrorName, `leader ${hint.leaderId}: ${classification.message}`, classification.leaderHint);
  }
  if (spec === TransportErrors.ConnectionRefused) {
    return new NodeError('NoLeader', `leader ${hint.leaderId} at its route is unreachable; nothing was sent (${classification.message})`, hint);
  }
  return new NodeError('ForwardFailed', `forwarding to leader ${hint.leaderId} failed: ${classification.message}`, hint);
}
