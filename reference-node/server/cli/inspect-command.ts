/**
 * `ekv-admin inspect <data-dir> [--sidecar PATH] [--kek-file PATH] [--values]`:
 * the offline inspection of a stopped node as JSON lines on stdout (the
 * records are documented in reference-node/proto/inspect-records.ts and in
 * README). It talks to no node, so it needs no `--addr`. Exit 0 after the
 * summary line; 1 with one `ekv-admin inspect: <Code>: message` line on
 * stderr when the inspection could not run (node still running, no
 * database, missing sidecar, KEK that does not open the sidecar's DEKs).
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import { inspectDataDir, type InspectOptions } from '../../inspect/index.js';

/** A command that runs without contacting a node; resolves with the exit code. */
export type OfflineAction = () => Promise<number>;

/** Where the inspection writes: lines to `out`, a refusal to `err`. */
export interface InspectStreams {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

/** Runs one inspection, streaming JSON lines (with backpressure); resolves with the exit code. */
export async function runInspect(options: InspectOptions, streams: InspectStreams): Promise<number> {
  try {
    await inspectDataDir(options, async (record) => {
      if (!streams.out.write(`${JSON.stringify(record)}\n`)) await once(streams.out, 'drain');
    });
    return 0;
  } catch (error) {
    streams.err.write(`ekv-admin inspect: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Adds `inspect`; `run` receives the action to execute after parsing. */
export function defineInspectCommand(program: Command, run: (action: OfflineAction) => void): void {
  program
    .command('inspect <data-dir>')
    .description(
      "offline: dump a STOPPED node's data dir as JSON lines (sidecar, hard state, snapshot, raft entries, MVCC records, registry); no --addr",
    )
    .option(
      '--sidecar <path>',
      "the node's sidecar (default: <data-dir>/encryption/keys.json, <data-dir>/keys.json or <data-dir>/../keys.json)",
    )
    .option(
      '--kek-file <path>',
      'the cluster KEK: open wrapped raft payloads to show their opcode (values are never decrypted)',
    )
    .option('--values', 'print the bytes of cleartext MVCC values (never of encrypted ones)')
    .action((dataDir: string, o: { sidecar?: string; kekFile?: string; values?: boolean }) => {
      const options: InspectOptions = {
        dataDir,
        values: o.values === true,
        ...(o.sidecar === undefined ? {} : { sidecarPath: o.sidecar }),
        ...(o.kekFile === undefined ? {} : { kekFile: o.kekFile }),
      };
      run(() => runInspect(options, { out: process.stdout, err: process.stderr }));
    });
}
