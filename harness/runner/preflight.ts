/**
 * Everything that can be checked before a run starts, checked before the run
 * directory exists (so a mistake costs a second and leaves nothing behind):
 * each node's full flag set, validated by the node binary itself
 * (`ekv-node --check-flags`: unknown flags, `--bug` ids, stage/flag
 * combinations), the backend (Docker engine and image, a built node), and
 * free disk in the store. One clear line per problem; the CLI exits 255.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterBackend } from '../cluster/cluster-backend.js';
import { flagsForNode } from '../cluster/cluster-backend.js';
import { HarnessError } from '../errors/index.js';
import { initialNodeFlags } from './node-flags.js';
import type { TestConfig } from './test-config.js';

/** Free space the store needs for a run (node data dirs, histories, inspections). */
export const storeFreeBytesMin = 512 * 1024 * 1024;
const checkFlagsTimeoutMs = 15_000;

export interface PreflightOptions {
  readonly config: TestConfig;
  readonly backend: ClusterBackend;
  /** Program + leading args of ekv-node, or null when the nodes are a test double (no flag check). */
  readonly nodeCommand: readonly string[] | null;
}

/** Throws HarnessError('INVALID_OPTION' | 'BACKEND_UNAVAILABLE') naming the first problem found. */
export async function preflight(options: PreflightOptions): Promise<void> {
  const { config, backend } = options;
  checkFreeDisk(config.storeDir);
  const unavailable = await backend.unavailableReason();
  if (unavailable !== null)
    throw new HarnessError('BACKEND_UNAVAILABLE', `backend ${backend.name} unavailable: ${unavailable}`);
  if (options.nodeCommand !== null && backend.name !== 'fake') await checkNodeFlags(config, options.nodeCommand);
}

function checkFreeDisk(storeDir: string): void {
  let dir = resolve(storeDir);
  // The store may not exist yet: measure the nearest existing ancestor.
  for (;;) {
    try {
      const stats = statfsSync(dir);
      const free = stats.bavail * stats.bsize;
      if (free < storeFreeBytesMin)
        throw new HarnessError(
          'INVALID_OPTION',
          `--store ${storeDir}: only ${Math.floor(free / 1024 / 1024)} MB free, a run needs at least ${storeFreeBytesMin / 1024 / 1024} MB`,
        );
      return;
    } catch (error) {
      if (error instanceof HarnessError) throw error;
      const parent = resolve(dir, '..');
      if (parent === dir) return;
      dir = parent;
    }
  }
}

/**
 * Runs `ekv-node --check-flags` once per distinct flag set (nodes usually
 * differ only in their id), with the harness-owned flags a start would add
 * and the paths of a scratch run directory (a KEK file and sidecar
 * directories exist there, as they will in the run), removed afterwards.
 */
async function checkNodeFlags(config: TestConfig, nodeCommand: readonly string[]): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'ekv-preflight-'));
  try {
    writeFileSync(join(scratch, 'kek'), Buffer.alloc(32, 1), { mode: 0o600 });
    const peers = config.nodes
      .filter((n) => !config.joiners.includes(n))
      .map((n, i) => `${n}=127.0.0.1:${20_000 + i}`)
      .join(',');
    const seen = new Map<string, string>();
    for (const [i, node] of config.nodes.entries()) {
      mkdirSync(join(scratch, 'nodes', node), { recursive: true });
      const own = initialNodeFlags(config, scratch, node);
      const key = JSON.stringify([...config.commonNodeFlags, ...own.map((f) => f.replaceAll(node, '{id}'))]);
      if (seen.has(key)) continue;
      seen.set(key, node);
      const membership = config.joiners.includes(node) ? ['--join'] : ['--peers', peers];
      const args = [
        '--id',
        node,
        '--listen',
        `127.0.0.1:${20_000 + i}`,
        ...membership,
        '--data-dir',
        join(scratch, 'nodes', node, 'data'),
        '--no-exit-on-halt',
        ...flagsForNode(config.commonNodeFlags, node),
        ...own,
        '--check-flags',
      ];
      const problem = await runCheck(nodeCommand, args);
      if (problem !== null)
        throw new HarnessError('INVALID_OPTION', `node ${node}: ${problem.replaceAll(scratch, '<run-dir>')}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function runCheck(nodeCommand: readonly string[], args: readonly string[]): Promise<string | null> {
  const [program, ...leading] = nodeCommand;
  if (program === undefined) return Promise.resolve('empty node command');
  return new Promise((resolveCheck) => {
    const child = spawn(program, [...leading, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), checkFlagsTimeoutMs);
    child.once('error', (error) => resolveCheck(`cannot run ${program}: ${error.message}`));
    child.once('close', (code) => {
      clearTimeout(timer);
      const line =
        output
          .trim()
          .split('\n')
          .filter((l) => l.trim() !== '')
          .slice(-1)[0] ?? '';
      resolveCheck(code === 0 ? null : line === '' ? `ekv-node --check-flags exited ${String(code)}` : line);
    });
  });
}
