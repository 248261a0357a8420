import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('private TMPDIR of a test file', () => {
  it('is a fresh directory of its own that os.tmpdir() and child processes see', () => {
    expect(path.basename(os.tmpdir())).toMatch(/^ekv-test-/);
    expect(process.env.TMPDIR).toBe(os.tmpdir());
    const made = mkdtempSync(path.join(os.tmpdir(), 'probe-'));
    expect(existsSync(made)).toBe(true);
    rmSync(made, { recursive: true });
  });
});
