/**
 * Free TCP ports on 127.0.0.1: bind port 0 for each, all at once (so the
 * kernel cannot hand the same port out twice), then release them for the
 * nodes. Parallel test files therefore never pick fixed, colliding ports.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';

/** `count` distinct free ports on 127.0.0.1. */
export async function allocateFreePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
