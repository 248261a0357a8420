/**
 * `npm run bench:snapshot`: how long a state-machine snapshot of a large
 * store takes to build and to install, how big it is, and the peak memory
 * above the baseline while doing it (issue 14: snapshots used to overflow the
 * stack from ~31,000 rows). Each store size gets a fresh classic-level store
 * in a temporary directory, filled with `key-<n>` → 16-byte values; the
 * snapshot is then installed into a second fresh store.
 *
 * Memory is sampled every few milliseconds during each operation: `rss` and
 * `heap+ext` (V8 heap used plus external memory, which holds the typed
 * arrays) above what they were right before it, after a GC when node runs
 * with --expose-gc (the npm script passes it).
 *
 *   node --expose-gc dist/reference-node/bench/bench-snapshot.js [--rows 100000,1000000] [--out .tmp/bench-snapshot.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { Hlc, StateMachine, systemClock } from '../kv/index.js';
import { asLogIndex } from '../raft/types.js';
import { NodeStorage, type StateMutation } from '../storage/index.js';

/** Mutations per load commit. */
const loadBatchRows = 10_000;
/** Sampling period of the memory probe. */
const memorySampleMs = 5;
const valueBytes = 16;

interface Measured<T> {
  readonly value: T;
  readonly elapsedMs: number;
  readonly peakRssBytes: number;
  readonly peakHeapExternalBytes: number;
}

interface SizeResult {
  readonly rows: number;
  readonly snapshotBytes: number;
  readonly build: Omit<Measured<unknown>, 'value'>;
  readonly install: Omit<Measured<unknown>, 'value'>;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs `operation` while sampling memory; peaks are relative to the state right before it. */
async function measure<T>(operation: () => Promise<T>): Promise<Measured<T>> {
  collectGarbage();
  const heapExternal = (): number => {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.external;
  };
  const baseRss = process.memoryUsage().rss;
  const baseHeapExternal = heapExternal();
  let peakRss = baseRss;
  let peakHeapExternal = baseHeapExternal;
  const sample = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakHeapExternal = Math.max(peakHeapExternal, heapExternal());
  };
  const timer = setInterval(sample, memorySampleMs);
  const started = process.hrtime.bigint();
  try {
    const value = await operation();
    sample();
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    return {
      value,
      elapsedMs,
      peakRssBytes: peakRss - baseRss,
      peakHeapExternalBytes: peakHeapExternal - baseHeapExternal,
    };
  } finally {
    clearInterval(timer);
  }
}

async function openStateMachine(dataDir: string): Promise<{ storage: NodeStorage; fsm: StateMachine }> {
  const storage = await NodeStorage.open(dataDir);
  return { storage, fsm: new StateMachine({ store: storage.state, hlc: new Hlc(systemClock) }) };
}

async function load(storage: NodeStorage, rows: number): Promise<void> {
  const encoder = new TextEncoder();
  for (let start = 0, index = 1; start < rows; start += loadBatchRows, index++) {
    const mutations: StateMutation[] = [];
    for (let i = start; i < Math.min(rows, start + loadBatchRows); i++) {
      const value = new Uint8Array(valueBytes);
      new DataView(value.buffer).setUint32(0, i, false);
      mutations.push({
        kind: 'version',
        userKey: encoder.encode(`key-${String(i).padStart(9, '0')}`),
        commitTs: BigInt(i + 1),
        tombstone: false,
        expireAtMs: 0n,
        value,
      });
    }
    await storage.state.commit(mutations, { appliedIndex: asLogIndex(index), sync: false });
  }
}

async function benchSize(rows: number): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ekv-bench-snapshot-'));
  try {
    const source = await openStateMachine(join(dir, 'source'));
    let snapshot: Measured<Uint8Array>;
    try {
      await load(source.storage, rows);
      snapshot = await measure(() => source.fsm.snapshot(new Uint8Array(0)));
    } finally {
      await source.storage.close();
    }
    const target = await openStateMachine(join(dir, 'target'));
    try {
      const install = await measure(() => target.fsm.restore(snapshot.value));
      if (install.value.appliedIndex !== source.fsm.appliedIndex()) {
        throw new Error(`installed applied index ${install.value.appliedIndex}, expected ${source.fsm.appliedIndex()}`);
      }
      const { value: _install, ...installStats } = install;
      const { value: data, ...buildStats } = snapshot;
      return { rows, snapshotBytes: data.length, build: buildStats, install: installStats };
    } finally {
      await target.storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

function table(results: readonly SizeResult[]): string {
  const header = [
    'rows',
    'snapshot MiB',
    'build ms',
    'build peak rss MiB',
    'build peak heap+ext MiB',
    'install ms',
    'install peak rss MiB',
    'install peak heap+ext MiB',
  ];
  const lines = results.map((r) => [
    String(r.rows),
    mib(r.snapshotBytes),
    r.build.elapsedMs.toFixed(0),
    mib(r.build.peakRssBytes),
    mib(r.build.peakHeapExternalBytes),
    r.install.elapsedMs.toFixed(0),
    mib(r.install.peakRssBytes),
    mib(r.install.peakHeapExternalBytes),
  ]);
  return [header, ...lines].map((cells) => cells.join(' | ')).join('\n');
}

function parseRows(text: string): number[] {
  return text.split(',').map((part) => {
    const rows = Number(part.trim());
    if (!Number.isSafeInteger(rows) || rows < 1)
      throw new Error(`--rows: expected a comma-separated list of whole numbers ≥ 1, got '${part}'`);
    return rows;
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('bench-snapshot')
    .option('--rows <list>', 'comma-separated store sizes in MVCC rows', '100000,1000000')
    .option('--out <file>', 'JSON output file', '.tmp/bench-snapshot.json')
    .parse([...argv], { from: 'user' });
  const options = program.opts<{ rows: string; out: string }>();
  const sizes = parseRows(options.rows);
  if ((globalThis as { gc?: unknown }).gc === undefined)
    process.stderr.write('bench-snapshot: run node with --expose-gc for stable memory baselines\n');
  const results: SizeResult[] = [];
  for (const rows of sizes) {
    process.stderr.write(`bench-snapshot: ${rows} rows…\n`);
    results.push(await benchSize(rows));
  }
  process.stdout.write(`${table(results)}\n`);
  const out = resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ benchmark: 'bench-snapshot', date: new Date().toISOString(), cpus: cpus().length, node: process.version, valueBytes, results }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${out}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench-snapshot: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
