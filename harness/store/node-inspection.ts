/**
 * Offline inspection of every stopped node's data dir and sidecar with the
 * node's own public tool, `ekv-admin inspect` (the harness never reads node
 * internals): its JSON lines land in nodes/<id>/inspect.jsonl, the format the
 * encryption checker reads. Runs after the cluster stopped (inspect refuses a
 * database a node still holds), also after a failed run; a node whose
 * inspection fails is reported, never fatal.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { runFiles } from './run-directory.js';

/** How long one node's inspection may take. */
export const inspectTimeoutMs = 60_000;

export interface InspectOptions {
  readonly runDir: string;
  readonly nodes: readonly string[];
  /** The cluster's KEK, when it has one: wrapped raft entries are then opened to read their inner opcode. */
  readonly kekFile: string | null;
  /** Program + leading args of ekv-admin. */
  readonly adminCommand: readonly string[];
}

/** Inspects every node (two at a time); returns one problem line per node that could not be inspected. */
export async function inspectNodes(options: InspectOptions): Promise<string[]> {
  const problems: string[] = [];
  const queue = [...options.nodes];
  const worker = async (): Promise<void> => {
    for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
      const problem = await inspectNode(options, node);
      if (problem !== null) problems.push(problem);
    }
  };
  await Promise.all([worker(), worker()]);
  return problems.sort();
}

async function inspectNode(options: InspectOptions, node: string): Promise<string | null> {
  const nodeDir = join(options.runDir, runFiles.nodes, node);
  const dataDir = join(nodeDir, 'data');
  if (!existsSync(dataDir)) return `${node}: no data dir to inspect`;
  const sidecar = join(nodeDir, 'keys.json');
  const args = ['inspect', dataDir, '--values', ...(existsSync(sidecar) ? ['--sidecar', sidecar, ...(options.kekFile === null ? [] : ['--kek-file', options.kekFile])] : [])];
  const out = openSync(join(nodeDir, runFiles.inspectJsonl), 'w');
  const [program, ...leading] = options.adminCommand;
  if (program === undefined) throw new Error('empty ekv-admin command');
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(program, [...leading, ...args], { stdio: ['ignore', out, 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), inspectTimeoutMs);
      child.once('error', (error) => resolve({ code: null, stderr: error.message }));
      child.once('close', (exitCode) => {
        clearTimeout(timer);
        resolve({ code: exitCode, stderr });
      });
    });
    return code === 0 ? null : `${node}: ekv-admin inspect exited ${String(code)}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
  } finally {
    closeSync(out);
  }
}
