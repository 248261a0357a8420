/**
 * `npm run bench:node`: sustained acknowledged writes/s and linearizable
 * reads/s, with p50/p99 latency, against a local 3-node cluster of real
 * `ekv-node` processes (every Raft append is fsynced), at 1, 16 and 64
 * concurrent clients. Prints a table and writes JSON. `--encryption` runs
 * the same phases on a cluster in Phase 1 (values encrypted at apply) and/or
 * Phase 2 (every proposal wrapped too), each a fresh cluster in the same run,
 * and prints each mode's throughput as a ratio to the unencrypted one (the
 * machine is noisy: compare within one run). Beside each phase it prints
 * the LevelDB writes per acknowledged operation on the leader and on a
 * follower (mean of the two), from every node's Status before and after the
 * phase: synced ones are one fdatasync each (Raft appends, hard state),
 * unsynced ones are FSM applies. Group commit shows as a synced count
 * below 1 per write. For every write phase it also prints where one
 * write's time went, as means from the nodes' Status (WriteStageTimes): the
 * client's latency; on the leader, proposal to apply, and within it the
 * append (Ready start to synced write), the wait for a quorum beyond it and
 * the committing Ready (to the end of its apply); a follower's append; and
 * what is left outside the leader's proposal (client and gRPC, write gate).
 *
 *   node dist/reference-node/bench/bench-node.js [--duration-ms 10000] [--encryption off,phase1,phase2] [--out .tmp/bench-node.json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import {
  createAdminClient,
  createEncryptionAdminClient,
  createKvClient,
  generateWrappedDek,
  loadKekFile,
  type EncryptionAdminClient,
  type KvClient,
  type WriteStageTimes,
} from '../proto/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const nodeBin = join(repoRoot, 'bin', 'ekv-node.js');
const concurrencies = [1, 16, 64] as const;
/** Clients share gRPC channels, this many workers per channel. */
const workersPerChannel = 8;

/** How far the benchmarked cluster has rolled out encryption. */
type EncryptionMode = 'off' | 'phase1' | 'phase2';
const encryptionModes: readonly EncryptionMode[] = ['off', 'phase1', 'phase2'];

interface PhaseResult {
  readonly encryption: EncryptionMode;
  readonly operation: 'write' | 'read';
  readonly clients: number;
  readonly operations: number;
  readonly errors: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** LevelDB writes per acknowledged operation during the phase. */
  readonly storageWritesPerOp: { readonly leader: WritesPerOp; readonly follower: WritesPerOp };
  readonly meanMs: number;
  /** Where a write's time went (write phases; means in ms). */
  readonly breakdown: WriteBreakdown | null;
}

interface WriteBreakdown {
  readonly leaderProposalMs: number;
  readonly leaderAppendMs: number;
  readonly leaderReplicationMs: number;
  readonly leaderCommitMs: number;
  readonly followerAppendMs: number;
  readonly outsideProposalMs: number;
}

interface WritesPerOp {
  readonly synced: number;
  readonly unsynced: number;
}

interface WriteCounters {
  readonly address: string;
  readonly synced: number;
  readonly unsynced: number;
  readonly stages: WriteStageTimes;
}

/** Every node's storage write counters (RaftAdmin Status). */
async function writeCounters(addresses: readonly string[]): Promise<WriteCounters[]> {
  return Promise.all(
    addresses.map(async (address) => {
      const admin = createAdminClient(address);
      try {
        const status = await admin.status({}, { timeoutMs: 5_000 });
        return {
          address,
          synced: Number(status.syncedWrites),
          unsynced: Number(status.unsyncedWrites),
          stages: status.writeStages,
        };
      } finally {
        admin.close();
      }
    }),
  );
}

/** Writes per operation between two samples: the leader's, and the followers' mean. */
function writesPerOp(
  before: readonly WriteCounters[],
  after: readonly WriteCounters[],
  leader: string,
  operations: number,
): PhaseResult['storageWritesPerOp'] {
  const per = (address: string): WritesPerOp => {
    const b = before.find((c) => c.address === address)!;
    const a = after.find((c) => c.address === address)!;
    const ratio = (n: number): number => (operations === 0 ? 0 : Math.round((n / operations) * 1_000) / 1_000);
    return { synced: ratio(a.synced - b.synced), unsynced: ratio(a.unsynced - b.unsynced) };
  };
  const followers = before
    .map((c) => c.address)
    .filter((address) => address !== leader)
    .map(per);
  const mean = (pick: (w: WritesPerOp) => number): number =>
    Math.round((followers.reduce((sum, w) => sum + pick(w), 0) / Math.max(1, followers.length)) * 1_000) / 1_000;
  return { leader: per(leader), follower: { synced: mean((w) => w.synced), unsynced: mean((w) => w.unsynced) } };
}

/** Mean stage times of one write between two samples (the leader's, and the followers' mean append). */
function writeBreakdown(
  before: readonly WriteCounters[],
  after: readonly WriteCounters[],
  leader: string,
  clientMeanMs: number,
): WriteBreakdown {
  const delta = (address: string): WriteStageTimes => {
    const b = before.find((c) => c.address === address)!.stages;
    const a = after.find((c) => c.address === address)!.stages;
    return {
      entries: a.entries - b.entries,
      appendMs: a.appendMs - b.appendMs,
      replicationMs: a.replicationMs - b.replicationMs,
      commitMs: a.commitMs - b.commitMs,
      kvProposals: a.kvProposals - b.kvProposals,
      kvProposalMs: a.kvProposalMs - b.kvProposalMs,
    };
  };
  const per = (total: number, count: number): number => (count === 0 ? 0 : Math.round((total / count) * 1_000) / 1_000);
  const lead = delta(leader);
  const followers = before
    .map((c) => c.address)
    .filter((address) => address !== leader)
    .map(delta);
  const followerEntries = followers.reduce((sum, f) => sum + f.entries, 0);
  const leaderProposalMs = per(lead.kvProposalMs, lead.kvProposals);
  return {
    leaderProposalMs,
    leaderAppendMs: per(lead.appendMs, lead.entries),
    leaderReplicationMs: per(lead.replicationMs, lead.entries),
    leaderCommitMs: per(lead.commitMs, lead.entries),
    followerAppendMs: per(
      followers.reduce((sum, f) => sum + f.appendMs, 0),
      followerEntries,
    ),
    outsideProposalMs: Math.round((clientMeanMs - leaderProposalMs) * 1_000) / 1_000,
  };
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

async function startCluster(
  dir: string,
  kekPath: string | null,
): Promise<{ addresses: string[]; children: ChildProcess[] }> {
  const addresses = await Promise.all([1, 2, 3].map(async () => `127.0.0.1:${await freePort()}`));
  const peers = addresses.map((address, i) => `n${i + 1}=${address}`).join(',');
  const children = addresses.map((address, i) => {
    const id = `n${i + 1}`;
    const encryption =
      kekPath === null
        ? []
        : ['--encryption-enabled', '--kek-file', kekPath, '--sidecar-path', join(dir, `${id}.sidecar`)];
    return spawn(
      process.execPath,
      [
        nodeBin,
        '--id',
        id,
        '--listen',
        address,
        '--peers',
        peers,
        '--data-dir',
        join(dir, id),
        '--log-level',
        'warn',
        ...encryption,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
  });
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((ready, fail) => {
          child.stdout.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('READY')) ready();
          });
          child.once('exit', (code) => fail(new Error(`a node exited with ${code} before READY`)));
        }),
    ),
  );
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

/** Bootstrap, then Phase 1 and (for phase2) Phase 2, through the leader's EncryptionAdmin. */
async function rollOut(
  leader: string,
  addresses: readonly string[],
  kekPath: string,
  mode: EncryptionMode,
): Promise<void> {
  const clients = new Map<string, EncryptionAdminClient>();
  const client = (address: string): EncryptionAdminClient => {
    const known = clients.get(address) ?? createEncryptionAdminClient(address);
    clients.set(address, known);
    return known;
  };
  const timeout = { timeoutMs: 15_000 };
  try {
    const kek = await loadKekFile(kekPath);
    const caps = await Promise.all(addresses.map((a) => client(a).getCapability({}, timeout)));
    await client(leader).bootstrapEncryption(
      {
        wrappedStorageDek: generateWrappedDek(kek).wrapped,
        wrappedRaftDek: generateWrappedDek(kek).wrapped,
        storageDekId: 1,
        raftDekId: 2,
        writerBatch: caps.map((c) => ({ fullNodeId: c.fullNodeId, localEpoch: c.localEpoch })),
      },
      timeout,
    );
    const self = await client(leader).getCapability({}, timeout);
    const proposer = { proposerNodeId: self.fullNodeId, proposerLocalEpoch: 0 };
    await client(leader).enableStorageEnvelope(proposer, timeout);
    if (mode === 'phase2') await client(leader).enableRaftEnvelope(proposer, timeout);
  } finally {
    for (const c of clients.values()) c.close();
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

async function runPhase(
  leader: string,
  addresses: readonly string[],
  encryption: EncryptionMode,
  operation: 'write' | 'read',
  clients: number,
  durationMs: number,
  keys: number,
): Promise<PhaseResult> {
  const channels: KvClient[] = Array.from({ length: Math.ceil(clients / workersPerChannel) }, () =>
    createKvClient(leader),
  );
  const latencies: number[] = [];
  let errors = 0;
  const value = new Uint8Array(100).fill(0x61);
  const countersBefore = await writeCounters(addresses);
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
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
    }),
  );
  const elapsedMs = performance.now() - started;
  for (const channel of channels) channel.close();
  const countersAfter = await writeCounters(addresses);
  latencies.sort((a, b) => a - b);
  const round = (n: number): number => Math.round(n * 100) / 100;
  const meanMs = latencies.length === 0 ? 0 : latencies.reduce((sum, l) => sum + l, 0) / latencies.length;
  return {
    encryption,
    operation,
    clients,
    operations: latencies.length,
    errors,
    opsPerSecond: round((latencies.length / elapsedMs) * 1_000),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    storageWritesPerOp: writesPerOp(countersBefore, countersAfter, leader, latencies.length),
    meanMs: Math.round(meanMs * 1_000) / 1_000,
    breakdown: operation === 'write' ? writeBreakdown(countersBefore, countersAfter, leader, meanMs) : null,
  };
}

function table(results: readonly PhaseResult[]): string {
  const header =
    'encryption  operation  clients      ops/s    p50 ms    p99 ms   operations  errors   fsync/op leader  follower   unsynced/op leader  follower';
  const perOp = (n: number): string => n.toFixed(3);
  const rows = results.map((r) => {
    const { leader, follower } = r.storageWritesPerOp;
    return (
      `${r.encryption.padEnd(10)}  ${r.operation.padEnd(9)}  ${String(r.clients).padStart(7)}  ${r.opsPerSecond.toFixed(1).padStart(9)}  ${r.p50Ms.toFixed(2).padStart(8)}  ${r.p99Ms.toFixed(2).padStart(8)}  ${String(r.operations).padStart(11)}  ${String(r.errors).padStart(6)}` +
      `   ${perOp(leader.synced).padStart(15)}  ${perOp(follower.synced).padStart(8)}   ${perOp(leader.unsynced).padStart(18)}  ${perOp(follower.unsynced).padStart(8)}`
    );
  });
  return [header, ...rows].join('\n');
}

function breakdownTable(results: readonly PhaseResult[]): string {
  const header =
    'one write, mean ms  clients   client   leader: proposal→applied  = append  + quorum wait  + commit Ready  + rest   follower append   outside the proposal';
  const ms = (n: number): string => n.toFixed(3);
  const rows = results.flatMap((r) => {
    const b = r.breakdown;
    if (b === null) return [];
    const rest = b.leaderProposalMs - b.leaderAppendMs - b.leaderReplicationMs - b.leaderCommitMs;
    return [
      `${r.encryption.padEnd(18)}  ${String(r.clients).padStart(7)}  ${ms(r.meanMs).padStart(7)}   ${ms(b.leaderProposalMs).padStart(24)}  ${ms(b.leaderAppendMs).padStart(8)}  ${ms(b.leaderReplicationMs).padStart(13)}  ${ms(b.leaderCommitMs).padStart(14)}  ${ms(rest).padStart(6)}   ${ms(b.followerAppendMs).padStart(15)}   ${ms(b.outsideProposalMs).padStart(20)}`,
    ];
  });
  return [header, ...rows].join('\n');
}

/** Every phase (concurrency × operation) against one fresh cluster in `mode`. */
async function benchMode(mode: EncryptionMode, durationMs: number): Promise<PhaseResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ekv-bench-'));
  let kekPath: string | null = null;
  if (mode !== 'off') {
    kekPath = join(dir, 'kek');
    writeFileSync(kekPath, randomBytes(32), { mode: 0o600 });
  }
  const { addresses, children } = await startCluster(dir, kekPath);
  try {
    const leader = await waitForLeader(addresses);
    if (kekPath !== null) await rollOut(leader, addresses, kekPath, mode);
    const results: PhaseResult[] = [];
    for (const clients of concurrencies) {
      for (const operation of ['write', 'read'] as const) {
        process.stderr.write(
          `bench: encryption ${mode}, ${operation} with ${clients} client(s) for ${durationMs} ms…\n`,
        );
        results.push(await runPhase(leader, addresses, mode, operation, clients, durationMs, 10_000));
      }
    }
    return results;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((child) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each encrypted mode's ops/s as a fraction of the unencrypted run's, per operation and concurrency. */
function ratios(results: readonly PhaseResult[]): string[] {
  const base = (r: PhaseResult): PhaseResult | undefined =>
    results.find((b) => b.encryption === 'off' && b.operation === r.operation && b.clients === r.clients);
  return results.flatMap((r) => {
    const reference = base(r);
    if (r.encryption === 'off' || reference === undefined || reference.opsPerSecond === 0) return [];
    return [
      `${r.encryption} ${r.operation} ${r.clients} client(s): ${(r.opsPerSecond / reference.opsPerSecond).toFixed(2)}× the unencrypted ops/s`,
    ];
  });
}

function parseModes(text: string): EncryptionMode[] {
  const modes = text.split(',').map((m) => m.trim());
  const unknown = modes.find((m) => !(encryptionModes as readonly string[]).includes(m));
  if (unknown !== undefined)
    throw new Error(`--encryption: unknown mode '${unknown}' (expected a list of ${encryptionModes.join(', ')})`);
  return [...new Set(modes as EncryptionMode[])];
}

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('bench-node')
    .option('--duration-ms <n>', 'duration of each phase', '10000')
    .option('--encryption <modes>', 'comma-separated: off, phase1, phase2 (each a fresh cluster)', 'off')
    .option('--out <file>', 'JSON output file', '.tmp/bench-node.json')
    .parse([...argv], { from: 'user' });
  const options = program.opts<{ durationMs: string; encryption: string; out: string }>();
  const durationMs = Number(options.durationMs);
  if (!Number.isSafeInteger(durationMs) || durationMs < 100)
    throw new Error(`--duration-ms: expected a whole number ≥ 100, got '${options.durationMs}'`);
  const modes = parseModes(options.encryption);
  const results: PhaseResult[] = [];
  for (const mode of modes) results.push(...(await benchMode(mode, durationMs)));
  process.stdout.write(`${table(results)}\n\n${breakdownTable(results)}\n`);
  for (const line of ratios(results)) process.stdout.write(`${line}\n`);
  const out = resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ benchmark: 'bench-node', date: new Date().toISOString(), cluster: { nodes: 3, fsync: true }, cpus: cpus().length, node: process.version, durationMs, modes, results }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${out}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench-node: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
