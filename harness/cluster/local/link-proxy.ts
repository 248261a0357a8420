/**
 * A TCP proxy for one ordered node pair (from → to): node `from` dials `to`
 * through it (the node's `--peer-route`), so cutting this proxy cuts exactly
 * that direction of peer traffic, without root. Cutting is a blackhole like
 * iptables DROP: open connections are destroyed (so no half-forwarded HTTP/2
 * frame ever reaches the peer) and new ones are accepted but never forwarded
 * until the link heals. It can also delay every chunk and reset connections.
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

interface Pair {
  readonly inbound: Socket;
  readonly outbound: Socket;
}

/** Counters for tests and reports. */
export interface LinkProxyStats {
  readonly connectionsAccepted: number;
  readonly connectionsBlackholed: number;
  readonly bytesForwarded: number;
}

/** One direction of peer traffic between two nodes. */
export class LinkProxy implements AsyncDisposable {
  private blocked = false;
  private delayMs = 0;
  private readonly pairs = new Set<Pair>();
  private readonly held = new Set<Socket>();
  private stats = { connectionsAccepted: 0, connectionsBlackholed: 0, bytesForwarded: 0 };
  private closed = false;

  private constructor(
    readonly from: string,
    readonly to: string,
    private readonly server: Server,
    private readonly targetHost: string,
    /** The target's port, or a function asked at each connection (the target's port may be chosen after the proxy bound its own). */
    private readonly targetPort: number | (() => number),
  ) {}

  /** Listens on 127.0.0.1 (a free port unless `listenPort` is given) and forwards to target. */
  static async start(options: {
    readonly from: string;
    readonly to: string;
    readonly targetHost: string;
    readonly targetPort: number | (() => number);
    readonly listenPort?: number;
  }): Promise<LinkProxy> {
    const server = createServer();
    const proxy = new LinkProxy(options.from, options.to, server, options.targetHost, options.targetPort);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listenPort ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** The local port the `from` node dials. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  getStats(): LinkProxyStats {
    return { ...this.stats };
  }

  /** Cuts (true) or heals (false) the link. */
  setBlocked(blocked: boolean): void {
    if (blocked === this.blocked) return;
    this.blocked = blocked;
    if (blocked) {
      this.resetConnections();
    } else {
      // Held connections saw nothing forwarded: drop them so the node reconnects afresh.
      for (const socket of this.held) socket.destroy();
      this.held.clear();
    }
  }

  /** Delays every forwarded chunk by `delayMs` (0 = none), in both directions of this link. */
  setLatency(delayMs: number): void {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs))
      throw new RangeError(`latency must be a non-negative number of ms, got ${delayMs}`);
    this.delayMs = delayMs;
  }

  /** Destroys every open connection of this link (a connection reset fault). */
  resetConnections(): void {
    for (const pair of this.pairs) {
      pair.inbound.destroy();
      pair.outbound.destroy();
    }
    this.pairs.clear();
  }

  /** Closes the listener and every connection; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.resetConnections();
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private accept(inbound: Socket): void {
    inbound.on('error', () => inbound.destroy());
    if (this.closed) {
      inbound.destroy();
      return;
    }
    this.stats.connectionsAccepted += 1;
    if (this.blocked) {
      this.stats.connectionsBlackholed += 1;
      this.held.add(inbound);
      inbound.on('data', () => undefined); // read and drop, like a blackhole
      inbound.on('close', () => this.held.delete(inbound));
      return;
    }
    const outbound = connect({
      host: this.targetHost,
      port: typeof this.targetPort === 'number' ? this.targetPort : this.targetPort(),
    });
    const pair: Pair = { inbound, outbound };
    this.pairs.add(pair);
    const teardown = (): void => {
      inbound.destroy();
      outbound.destroy();
      this.pairs.delete(pair);
    };
    outbound.on('error', teardown);
    inbound.on('error', teardown);
    inbound.on('close', teardown);
    outbound.on('close', teardown);
    this.forward(inbound, outbound);
    this.forward(outbound, inbound);
  }

  private forward(source: Socket, sink: Socket): void {
    // Chunks keep their order even when the latency changes mid-stream.
    let releaseAtMs = 0;
    source.on('data', (chunk: Buffer) => {
      this.stats.bytesForwarded += chunk.length;
      if (this.delayMs === 0 && releaseAtMs <= Date.now()) {
        if (!sink.write(chunk)) {
          source.pause();
          sink.once('drain', () => source.resume());
        }
        return;
      }
      releaseAtMs = Math.max(Date.now() + this.delayMs, releaseAtMs);
      const timer = setTimeout(() => {
        if (!sink.destroyed) sink.write(chunk);
      }, releaseAtMs - Date.now());
      timer.unref();
    });
  }
}
