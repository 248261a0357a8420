/** Test support: a TCP proxy for one ordered node pair that can be cut and healed. */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A proxy listening on 127.0.0.1 that forwards to `target` while connected. */
export class TcpLink {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  bytes = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async open(target: string): Promise<TcpLink> {
    const [host, portText] = [target.slice(0, target.lastIndexOf(':')), target.slice(target.lastIndexOf(':') + 1)];
    const holder: { link?: TcpLink } = {};
    const server = createServer((client) => {
      const link = holder.link;
      if (link === undefined || link.cut) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host, port: Number(portText) });
      const tracked = link;
      tracked.sockets.add(client);
      tracked.sockets.add(upstream);
      client.on('data', (chunk: Buffer) => {
        tracked.bytes += chunk.length;
      });
      client.pipe(upstream).pipe(client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        tracked.sockets.delete(client);
        tracked.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const link = new TcpLink(server, typeof address === 'object' && address !== null ? address.port : 0);
    holder.link = link;
    return link;
  }

  /** Drops every connection and refuses new ones. */
  sever(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  heal(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
