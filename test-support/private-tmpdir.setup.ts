/**
 * Vitest setup file: each test file gets a private temporary directory as
 * TMPDIR (so `os.tmpdir()` in the file, and in the processes it starts,
 * points into it), and fails when something is left in it after the file's
 * own cleanup ran. The directory itself is removed either way.
 *
 * Private per file, because a before/after listing of the shared system
 * temporary directory cannot tell this file's leftovers from those of the
 * test file running in the other worker or of any other process on the
 * machine; a private directory has no other writer.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const inheritedTmpdir = process.env.TMPDIR;
const privateTmpdir = mkdtempSync(path.join(os.tmpdir(), 'ekv-test-'));
process.env.TMPDIR = privateTmpdir;

// Registered before any hook of the test file, so it runs after all of them (hooks unwind like a stack).
/**
 * What libraries leave by design, not test debris: testcontainers keeps a
 * process-lifetime lock file in os.tmpdir() (its port and reaper lock), which
 * it never removes while the process lives.
 */
const libraryFiles = [/^testcontainers-node-\d+\.lock$/];

afterAll(() => {
  const left = readdirSync(privateTmpdir).filter((name) => !libraryFiles.some((pattern) => pattern.test(name)));
  rmSync(privateTmpdir, { recursive: true, force: true });
  if (inheritedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = inheritedTmpdir;
  if (left.length > 0) {
    throw new Error(
      `this test file left ${left.map((name) => JSON.stringify(name)).join(', ')} in its temporary directory (os.tmpdir()): remove what a test creates, on every exit path`,
    );
  }
});
