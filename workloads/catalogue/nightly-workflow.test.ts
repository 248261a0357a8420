// The nightly workflow (.github/workflows/nightly.yml) is a valid GitHub
// workflow, and its shards together run the whole catalogue: the `--shard`
// of every matrix entry names the entry count, and the summary reads every
// part the shards upload.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../harness/cluster/local/index.js';
import { shardOf } from '../../harness/matrix/index.js';
import { bugCases } from './index.js';

const source = readFileSync(join(packageRoot(), '.github', 'workflows', 'nightly.yml'), 'utf8');

interface Step {
  readonly run?: string;
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
}
interface Workflow {
  readonly jobs: Record<
    string,
    {
      readonly needs?: string;
      readonly if?: string;
      readonly strategy?: { readonly matrix: { readonly shard: readonly number[] } };
      readonly steps: readonly Step[];
    }
  >;
}

describe('the nightly workflow', () => {
  const workflow = parse(source) as Workflow;

  it('passes the GitHub workflow schema', () => {
    expect(validateWorkflow(source).errors).toEqual([]);
  });

  it('a schema error is reported (the validator is not a no-op)', () => {
    expect(
      validateWorkflow(source.replace('runs-on: ubuntu-latest', 'runs-on: [ubuntu-latest]\n    frobnicate: 3')).errors,
    ).not.toEqual([]);
  });

  it('runs every case in exactly one shard, and the summary waits for all of them and reads their parts', () => {
    const shards = workflow.jobs['shard']!.strategy!.matrix.shard;
    const run = workflow.jobs['shard']!.steps.map((s) => s.run ?? '').find((r) => r.includes('ekv-jepsen bugs'))!;
    const count = Number(/--shard \$\{\{ matrix\.shard \}\}\/(\d+)/.exec(run)?.[1]);
    expect(shards).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    const parts = shards.map((index) => shardOf(bugCases, { index, count }).map((c) => c.id));
    expect(parts.flat().sort()).toEqual(bugCases.map((c) => c.id).sort());
    expect(parts.every((p) => p.length > 0)).toBe(true);
    const upload = workflow.jobs['shard']!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.with?.['path']).toBe('store/bug-matrix');
    const summary = workflow.jobs['summary']!;
    expect(summary.needs).toBe('shard');
    expect(summary.if).toBe('always()');
    expect(summary.steps.find((s) => s.uses?.startsWith('actions/download-artifact'))?.with).toMatchObject({
      pattern: 'bug-matrix-*',
      path: 'parts',
    });
    expect(summary.steps.some((s) => s.run?.includes('ekv-jepsen summarize parts/*/*/matrix.json'))).toBe(true);
  });
});
