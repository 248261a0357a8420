/**
 * Runs the Raft scenario scripts in testdata/*.txt (see test/scenario-runner.ts
 * for the commands). EKV_REWRITE=1 rewrites the expected outputs in place.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScenario, parseScenario, ScenarioRunner } from './test/scenario-runner.js';

const testdata = join(import.meta.dirname, 'testdata');
const rewrite = process.env.EKV_REWRITE === '1';
const files = readdirSync(testdata)
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('Raft scenarios', () => {
  it('has scenario files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const path = join(testdata, file);
      const blocks = parseScenario(readFileSync(path, 'utf8'));
      const runner = new ScenarioRunner();
      const results = blocks.map((b) => ({ comments: b.comments, command: b.command, output: runner.run(b.command) }));
      if (rewrite) {
        writeFileSync(path, formatScenario(results));
        return;
      }
      blocks.forEach((block, i) => {
        expect(results[i]!.output, `${file}: output of "> ${block.command}" (block ${i + 1})`).toBe(block.expected);
      });
    });
  }
});
