import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy } from './link-proxy.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

async function startProxy(): Promise<LinkProxy> {
  const proxy = await LinkProxy.start({
    from: 'n1',
    to: 'n2',
    targetHost: '127.0.0.1',
    targetPort: await echoServer(),
  });
  cleanups.push(() => proxy.close());
  return proxy;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
    cleanups.push(async () => {
      socket.destroy();
    });
  });
}

/** Sends `text` and resolves with the echo, or 'silence' after `waitMs` ('closed' if the socket closes). */
function roundTrip(socket: Socket, text: string, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const timer = setTimeout(() => finish('silence'), waitMs);
    const onData = (chunk: Buffer) => {
      received += chunk.toString();
      if (received === text) finish(received);
    };
    const onClose = () => finish('closed');
    function finish(result: string) {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(result);
    }
    socket.on('data', onData);
    socket.on('close', onClose);
    if (!socket.destroyed) socket.write(text);
  });
}

describe('LinkProxy', () => {
  it("a target given as a function is asked at each connection: the proxy can bind before its target's port is chosen", async () => {
    let target = 0;
    const proxy = await LinkProxy.start({ from: 'n1', to: 'n2', targetHost: '127.0.0.1', targetPort: () => target });
    cleanups.push(() => proxy.close());
    target = await echoServer();
    expect(await roundTrip(await open(proxy.port), 'late target')).toBe('late target');
  });

  it('forwards both ways while healed', async () => {
    const proxy = await startProxy();
    const socket = await open(proxy.port);
    expect(await roundTrip(socket, 'hello')).toBe('hello');
    expect(proxy.getStats().bytesForwarded).toBe(10);
  });

  it('a cut destroys open connections and blackholes new ones; heal restores', async () => {
    const proxy = await startProxy();
    const before = await open(proxy.port);
    expect(await roundTrip(before, 'a')).toBe('a');
    proxy.setBlocked(true);
    expect(await roundTrip(before, 'b')).toBe('closed');
    const during = await open(proxy.port);
    expect(await roundTrip(during, 'c')).toBe('silence');
    expect(proxy.getStats().connectionsBlackholed).toBe(1);
    proxy.setBlocked(false);
    expect(during.destroyed || (await roundTrip(during, 'd')) !== 'd').toBe(true);
    const after = await open(proxy.port);
    expect(await roundTrip(after, 'e')).toBe('e');
  });

  it('adds latency in order and resets connections on demand', async () => {
    const proxy = await startProxy();
    proxy.setLatency(150);
    const socket = await open(proxy.port);
    const started = performance.now();
    expect(await roundTrip(socket, 'slow', 2_000)).toBe('slow');
    // Two proxy hops (request and echo) each wait at least the latency.
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    proxy.setLatency(0);
    proxy.resetConnections();
    expect(await roundTrip(socket, 'x')).toBe('closed');
    expect(() => proxy.setLatency(-1)).toThrow(/non-negative/);
  });
});
