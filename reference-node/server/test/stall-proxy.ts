/**
 * Test support: a TCP proxy on 127.0.0.1 that can stall (stop forwarding in
 * both directions while keeping every connection open, so nothing has to
 * reconnect through gRPC's backoff afterwards) and can hold the next bytes a
 * client sends until a hook ran — which lets a test act at an exact point of
 * a node's RPC sequence (e.g. "after the capability fan-out reached n2").
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A proxy listening on a free 127.0.0.1 port and forwarding to `target`. */
export class StallProxy {
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  private hold: (() => Promise<void>) | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Opens a proxy to `target` (`host:port`). */
  static async open(target: string): Promise<StallProxy> {
    const split = target.lastIndexOf(':');
    const holder: { proxy?: StallProxy } = {};
    const server = createServer((client) =>
      holder.proxy?.accept(client, target.slice(0, split), Number(target.slice(split + 1))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const proxy = new StallProxy(server, typeof address === 'object' && address !== null ? address.port : 0);
    holder.proxy = proxy;
    return proxy;
  }

  /** `127.0.0.1:<port>`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Stops forwarding (connections stay open; bytes wait in the socket buffers). */
  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) socket.pause();
  }

  /** Forwards again, including everything that waited. */
  resume(): void {
    this.stalled = false;
    for (const socket of this.sockets) socket.resume();
  }

  /**
   * The next bytes any client sends are held until `hook` resolved, then
   * forwarded. Resolves once the hook ran (rejects with the hook's error).
   */
  holdNextRequest(hook: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.hold = async () => {
        try {
          await hook();
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    const upstream = createConnection({ host, port });
    this.sockets.add(client);
    this.sockets.add(upstream);
    if (this.stalled) {
      client.pause();
      upstream.pause();
    }
    client.on('data', (chunk: Buffer) => {
      const hold = this.hold;
      if (hold === undefined) {
        upstream.write(chunk);
        return;
      }
      this.hold = undefined;
      client.pause();
      void hold().finally(() => {
        upstream.write(chunk);
        if (!this.stalled) client.resume();
      });
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }
}
