/**
 * Everything a checker may read about a run, loaded lazily from the run
 * directory (each file once, on first use): test.json, history.jsonl,
 * status.jsonl, execution.json, every node's inspect.jsonl and the raw bytes
 * of its data dir and sidecar. The same object serves the end of `test` and
 * `check <run-dir>`, so a re-check sees exactly what the original check saw.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { NodeInspection, RawFile, RolloutExpectations, StatusSample } from '../../checkers/artifacts/index.js';
import { noExpectations } from '../../checkers/artifacts/index.js';
import { readHistoryJsonl } from '../history/index.js';
import type { HistoryOp } from '../history/op.js';
import { runFiles } from '../store/index.js';
import { readInspectFile, readStatusFile } from './artifact-readers.js';
import type { ExecutionRecord } from './execution-record.js';

/** test.json as the checkers read it. */
export interface TestRecord {
  readonly name: string;
  readonly seed: number;
  readonly workload: string;
  readonly scenario?: string;
  readonly expectations: RolloutExpectations;
  readonly config: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

/** Raw files of one node larger than this are skipped by the plaintext scan (and said so). */
const rawFileBytesMax = 256 * 1024 * 1024;

export class RunArtifacts {
  private cache = new Map<string, unknown>();
  /** Problems met while loading (a torn history line, an unreadable inspection), for results.json's warnings. */
  readonly warnings: string[] = [];

  /** `outputDir`: where checkers write files of their own (linearizability.html); a re-check writes beside the original. */
  constructor(
    readonly runDir: string,
    readonly outputDir: string = runDir,
  ) {}

  private memo<T>(key: string, load: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, load());
    return this.cache.get(key) as T;
  }

  get test(): TestRecord {
    return this.memo('test', () => {
      const raw = JSON.parse(readFileSync(join(this.runDir, runFiles.testJson), 'utf8')) as Partial<TestRecord> & {
        config?: { workload?: string };
      };
      return {
        ...raw,
        workload: raw.workload ?? raw.config?.workload ?? 'register',
        expectations: raw.expectations ?? noExpectations,
      } as TestRecord;
    });
  }

  history(): readonly HistoryOp[] {
    return this.memo('history', () => {
      const read = readHistoryJsonl(join(this.runDir, runFiles.historyJsonl));
      this.warnings.push(...read.warnings);
      return read.ops;
    });
  }

  /** status.jsonl, or null when the run has none (the register workload samples nothing). */
  statusSamples(): readonly StatusSample[] | null {
    return this.memo('status', () => {
      const path = join(this.runDir, runFiles.statusJsonl);
      if (!existsSync(path)) return null;
      const read = readStatusFile(path);
      this.warnings.push(...read.warnings);
      return read.samples;
    });
  }

  /** execution.json (what happened while the run executed), or null when the run crashed before writing it. */
  execution(): ExecutionRecord | null {
    return this.memo('execution', () => {
      const path = join(this.runDir, runFiles.executionJson);
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ExecutionRecord) : null;
    });
  }

  /** Node ids with a directory under nodes/. */
  nodeIds(): readonly string[] {
    return this.memo('nodeIds', () => {
      const dir = join(this.runDir, runFiles.nodes);
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((name) => statSync(join(dir, name)).isDirectory())
        .sort();
    });
  }

  /** Every node's inspect.jsonl that exists (a node whose inspection failed is missing: see missingInspections). */
  inspections(): readonly NodeInspection[] {
    return this.memo('inspections', () =>
      this.nodeIds().flatMap((node) => {
        const path = join(this.runDir, runFiles.nodes, node, runFiles.inspectJsonl);
        if (!existsSync(path)) return [];
        const read = readInspectFile(path, node);
        this.warnings.push(...read.warnings);
        return [read.inspection];
      }),
    );
  }

  /** Nodes without an inspection. */
  missingInspections(): readonly string[] {
    const inspected = new Set(this.inspections().map((i) => i.node));
    return this.nodeIds().filter((id) => !inspected.has(id));
  }

  /** The bytes of every file of every node's data dir and sidecar (paths relative to the run dir). */
  rawFiles(): readonly RawFile[] {
    return this.memo('rawFiles', () =>
      this.nodeIds().flatMap((node) => {
        const nodeDir = join(this.runDir, runFiles.nodes, node);
        const files = [...walk(join(nodeDir, 'data')), ...[join(nodeDir, 'keys.json')].filter((p) => existsSync(p))];
        return files.flatMap((path) => {
          const { size, mode } = statSync(path);
          if (size > rawFileBytesMax) {
            this.warnings.push(
              `plaintext scan skipped ${relative(this.runDir, path)} (${size} bytes > ${rawFileBytesMax})`,
            );
            return [];
          }
          return [{ node, path: relative(this.runDir, path), bytes: readFileSync(path), mode: mode & 0o777 }];
        });
      }),
    );
  }
}

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}
