/**
 * `npm run bench:node`: sustained acknowledged writes/s and linearizable
 * reads/s, with p50/p99 latency, against a local 3-node cluster of real
 * `ekv-node` processes (every Raft append is fsynced), at 1, 16 and 64
 * concurrent clients. Prints a table and writes JSON.
 *
 *   node dist/reference-node/bench/bench-node.js [--duration-ms 10000] [--out .tmp/bench-node.json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { createAdminClient, createKvClient, type KvClient } from '../proto/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const nodeBin = join(repoRoot, 'bin', 'ekv-node.js');
const concurrencies = [1, 16, 64] as const;
/** Clients share gRPC channels, this many workers per channel. */
const workersPerChannel = 8;

interface PhaseResult {
  readonly operation: 'write' | 'read';
  readonly clients: number;
  readonly operations: number;
  readonly errors: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function startCluster(dir: string): Promise<{ addresses: string[]; children: ChildProcess[] }> {
  const addresses = await Promise.all([1, 2, 3].map(async () => `127.0.0.1:${await freePort()}`));
  const peers = addresses.map((address, i) => `n${i + 1}=${address}`).join(',');
  const children = addresses.map((address, i) =>
    spawn(process.execPath, [nodeBin, '--id', `n${i + 1}`, '--listen', address, '--peers', peers, '--data-dir', join(dir, `n${i + 1}`), '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  await Promise.all(children.map((child) => new Promise<void>((ready, fail) => {
    child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('READY')) ready(); });
    child.once('exit', (code) => fail(new Error(`a node exited with ${code} before READY`)));
  })));
  return { addresses, children };
}

async function waitForLeader(addresses: readonly string[]): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    for (const address of addresses) {
      const admin = createAdminClient(address);
      try {
        const status = await admin.status({}, { timeoutMs: 1_000 });
        const leader = status.members.find((m) => m.id === status.leader);
        if (leader !== undefined && leader.address !== '') return leader.address;
      } catch {
        // not up yet
      } finally {
        admin.close();
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no leader within 15 s');
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

async function runPhase(leader: string, operation: 'write' | 'read', clients: number, durationMs: number, keys: number): Promise<PhaseResult> {
  const channels: KvClient[] = Array.from({ length: Math.ceil(clients / workersPerChannel) }, () => createKvClient(leader));
  const latencies: number[] = [];
  let errors = 0;
  const value = new Uint8Array(100).fill(0x61);
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(Array.from({ length: clients }, async (_, worker) => {
    const client = channels[Math.floor(worker / workersPerChannel)]!;
    for (let sequence = 0; performance.now() < end; sequence++) {
      const key = new TextEncoder().encode(`bench-${(worker * 7919 + sequence) % keys}`);
      const t0 = performance.now();
      try {
        if (operation === 'write') await client.put({ key, value }, { timeoutMs: 10_000 });
        else await client.get({ key }, { timeoutMs: 10_000 });
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  const elapsedMs = performance.now() - started;
  for (const channel of channels) channel.close();
  latencies.sort((a, b) => a - b);
  const round = (n: number): number => Math.round(n * 100) / 100;
  return {
    operation, clients, operations: latencies.length, errors,
    opsPerSecond: round((latencies.length / elapsedMs) * 1_000),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
  };
}

function table(results: readonly PhaseResult[]): string {
  const header = 'operation  clients      ops/s    p50 ms    p99 ms   operations  errors';
  const rows = results.map((r) =>
    `${r.operation.padEnd(9)}  ${String(r.clients).padStart(7)}  ${r.opsPerSecond.toFixed(1).padStart(9)}  ${r.p50Ms.toFixed(2).padStart(8)}  ${r.p99Ms.toFixed(2).padStart(8)}  ${String(r.operations).padStart(11)}  ${String(r.errors).padStart(6)}`);
  return [header, ...rows].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('bench-node')
    .option('--duration-ms <n>', 'duration of each phase', '10000')
    .option('--out <file>', 'JSON output file', '.tmp/bench-node.json')
    .parse([...argv], { from: 'user' });
  const options = program.opts<{ durationMs: string; out: string }>();
  const durationMs = Number(options.durationMs);
  if (!Number.isSafeInteger(durationMs) || durationMs < 100) throw new Error(`--duration-ms: expected a whole number ≥ 100, got '${options.durationMs}'`);
  const dir = mkdtempSync(join(tmpdir(), 'ekv-bench-'));
  const { addresses, children } = await startCluster(dir);
  try {
    const leader = await waitForLeader(addresses);
    const results: PhaseResult[] = [];
    for (const clients of concurrencies) {
      for (const operation of ['write', 'read'] as const) {
        process.stderr.write(`bench: ${operation} with ${clients} client(s) for ${durationMs} ms…\n`);
        results.push(await runPhase(leader, operation, clients, durationMs, 10_000));
      }
    }
    process.stdout.write(`${table(results)}\n`);
    const out = resolve(options.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ benchmark: 'bench-node', date: new Date().toISOString(), cluster: { nodes: 3, fsync: true }, cpus: cpus().length, node: process.version, durationMs, results }, null, 2)}\n`);
    process.stdout.write(`wrote ${out}\n`);
    return 0;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`bench-node: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
