/**
 * Test support: a cluster of real `ekv-node` processes on free 127.0.0.1
 * ports with temporary data dirs. Every process is tracked and killed by
 * `dispose()` (call it in afterEach). Node logs go to `<dir>/<id>.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createAdminClient,
  createEncryptionAdminClient,
  createKvClient,
  type AdminClient,
  type EncryptionAdminClient,
  type KvClient,
  type StatusResponse,
} from '../../proto/index.js';

/** Repository root (this file lives in reference-node/server/test/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const nodeBin = join(repoRoot, 'bin', 'ekv-node.js');
export const adminBin = join(repoRoot, 'bin', 'ekv-admin.js');

/** Fails loudly when the compiled program is missing (npm test builds it first). */
export function requireBuild(): void {
  if (!existsSync(join(repoRoot, 'dist', 'reference-node', 'server', 'cli', 'ekv-node.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does it via pretest)');
  }
}

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`,
  );
}

interface TestNode {
  readonly id: string;
  readonly address: string;
  readonly dataDir: string;
  flags: string[];
  process: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
}

/** A set of node processes for one test. */
export class ProcessCluster {
  readonly dir: string;
  private readonly nodes = new Map<string, TestNode>();
  private readonly clients: Array<{ close(): void }> = [];

  private constructor(readonly commonFlags: readonly string[]) {
    this.dir = mkdtempSync(join(tmpdir(), 'ekv-it-'));
  }

  /** Allocates ports for `ids`; the first `voters` ids form the initial configuration. */
  static async create(
    ids: readonly string[],
    voters: number,
    commonFlags: readonly string[] = [],
  ): Promise<ProcessCluster> {
    requireBuild();
    const cluster = new ProcessCluster(commonFlags);
    for (const id of ids) {
      const address = `127.0.0.1:${await freePort()}`;
      cluster.nodes.set(id, {
        id,
        address,
        dataDir: join(cluster.dir, id),
        flags: [],
        process: undefined,
        exited: undefined,
      });
    }
    const peers = ids
      .slice(0, voters)
      .map((id) => `${id}=${cluster.node(id).address}`)
      .join(',');
    ids.forEach((id, position) => {
      const node = cluster.node(id);
      node.flags = [
        '--id',
        id,
        '--listen',
        node.address,
        '--data-dir',
        node.dataDir,
        ...(position < voters ? ['--peers', peers] : ['--join']),
      ];
    });
    return cluster;
  }

  node(id: string): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  ids(): string[] {
    return [...this.nodes.keys()];
  }

  address(id: string): string {
    return this.node(id).address;
  }

  logOf(id: string): string {
    const file = join(this.dir, `${id}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Adds flags to one node's command line (e.g. `--peer-route`), used from its next start on. */
  addFlags(id: string, flags: readonly string[]): void {
    this.node(id).flags.push(...flags);
  }

  /** Starts a node and waits for its READY line. */
  async start(id: string, extraFlags: readonly string[] = []): Promise<void> {
    const node = this.node(id);
    if (node.process !== undefined) throw new Error(`${id} is already running`);
    const child = spawn(process.execPath, [nodeBin, ...node.flags, ...this.commonFlags, ...extraFlags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    node.process = child;
    node.exited = new Promise((resolveExit) =>
      child.once('exit', (code) => {
        node.process = undefined;
        resolveExit(code);
      }),
    );
    child.stderr.pipe(createWriteStream(join(this.dir, `${id}.log`), { flags: 'a' }));
    await new Promise<void>((resolveReady, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`${id}: no READY within 15 s`)), 15_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('READY ')) {
          clearTimeout(timer);
          resolveReady();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${id} exited with ${code} before READY:\n${this.logOf(id).slice(-2000)}`));
      });
    });
  }

  async startAll(ids: readonly string[] = this.ids(), extraFlags: readonly string[] = []): Promise<void> {
    await Promise.all(ids.map((id) => this.start(id, extraFlags)));
  }

  /** SIGKILL (or another signal) and wait for the exit; resolves with the exit code. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const node = this.node(id);
    const exited = node.exited;
    if (node.process === undefined || exited === undefined) return null;
    // A paused process must be resumed to act on anything but SIGKILL.
    if (signal !== 'SIGKILL') node.process.kill('SIGCONT');
    node.process.kill(signal);
    return exited;
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT for pauses). */
  signal(id: string, signal: NodeJS.Signals): void {
    const child = this.node(id).process;
    if (child === undefined) throw new Error(`${id} is not running`);
    child.kill(signal);
  }

  /** Resolves with the exit code once the node's process ends by itself. */
  exited(id: string): Promise<number | null> {
    return this.node(id).exited ?? Promise.resolve(null);
  }

  running(id: string): boolean {
    return this.node(id).process !== undefined;
  }

  kv(id: string): KvClient {
    const client = createKvClient(this.address(id));
    this.clients.push(client);
    return client;
  }

  admin(id: string): AdminClient {
    const client = createAdminClient(this.address(id));
    this.clients.push(client);
    return client;
  }

  /** The EncryptionAdmin client of node `id` (closed by `dispose()`). */
  encryption(id: string): EncryptionAdminClient {
    const client = createEncryptionAdminClient(this.address(id));
    this.clients.push(client);
    return client;
  }

  async status(id: string): Promise<StatusResponse> {
    const client = createAdminClient(this.address(id));
    try {
      return await client.status({}, { timeoutMs: 2_000 });
    } finally {
      client.close();
    }
  }

  /** Waits until every running node in `ids` agrees on one leader; returns its id. */
  async waitForLeader(
    ids: readonly string[] = this.ids().filter((id) => this.running(id)),
    timeoutMs = 10_000,
  ): Promise<string> {
    return waitFor('a leader all nodes agree on', timeoutMs, async () => {
      const statuses = await Promise.all(ids.map((id) => this.status(id)));
      const leader = statuses[0]?.leader;
      if (leader === undefined || leader === '' || !ids.includes(leader)) return undefined;
      return statuses.every((s) => s.leader === leader) ? leader : undefined;
    });
  }

  /** Kills every process, closes clients and removes the temporary directory. */
  async dispose(keepDir = false): Promise<void> {
    for (const client of this.clients.splice(0)) client.close();
    await Promise.all(this.ids().map((id) => this.kill(id)));
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
