// Crash tests of the sidecar write protocol (spec §4.3): a child process is
// killed with SIGKILL right after each step; the sidecar on disk must then be
// the complete old or the complete new content, never anything in between.
// (Process crashes only: page-cache loss on power failure is out of reach here.)
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySidecar, serializeSidecar, type Sidecar } from './sidecar-codec.js';
import { SIDECAR_WRITE_STEPS, writeSidecar } from './sidecar-file.js';
import { tempDir } from './test/fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Transpile this folder (self-contained: node:* imports only) so a plain `node` child can run it. */
async function transpileFolder(outDir: string): Promise<void> {
  for (const sub of ['', 'test']) {
    await mkdir(join(outDir, sub), { recursive: true });
    for (const name of await readdir(join(here, sub))) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      const source = await readFile(join(here, sub, name), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      });
      await writeFile(join(outDir, sub, name.replace(/\.ts$/, '.js')), outputText);
    }
  }
  await writeFile(join(outDir, 'package.json'), '{"type":"module"}');
}

const OLD: Sidecar = {
  ...emptySidecar(),
  raftAppliedIndex: 10,
  active: { storage: 7, raft: 0 },
  keys: new Map([
    [7, { purpose: 'storage', wrapped: new Uint8Array(60).fill(1), created: '2026-01-01T00:00:00Z', localEpoch: 3 }],
  ]),
};
const NEW: Sidecar = {
  ...OLD,
  raftAppliedIndex: 11,
  storageEnvelopeActive: true,
  storageEnvelopeCutoverIndex: 11,
  keys: new Map([
    ...OLD.keys,
    [8, { purpose: 'raft', wrapped: new Uint8Array(60).fill(2), created: '2026-01-02T00:00:00Z', localEpoch: 0 }],
  ]),
};

describe('sidecar write survives SIGKILL at every protocol step', () => {
  let root = '';
  let remove: () => Promise<void> = async () => undefined;
  let child = '';
  beforeAll(async () => {
    ({ dir: root, remove } = await tempDir('crash'));
    await transpileFolder(join(root, 'js'));
    child = join(root, 'js', 'test', 'sidecar-crash-child.js');
  });
  afterAll(async () => remove());

  const crashAt = (path: string, step: string): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [child, path, step, serializeSidecar(NEW)], { encoding: 'utf8', timeout: 20_000 });

  it.each(SIDECAR_WRITE_STEPS.map((step, i) => [step, i] as const))(
    'killed after %s: the file is the complete old or new content',
    async (step, i) => {
      const dir = join(root, `over-${step}`);
      await mkdir(dir);
      const path = join(dir, 'keys.json');
      await writeSidecar(path, OLD);
      const result = crashAt(path, step);
      expect(result.signal).toBe('SIGKILL');
      const content = await readFile(path, 'utf8');
      const renamedAt = SIDECAR_WRITE_STEPS.indexOf('renamed');
      expect(content).toBe(serializeSidecar(i >= renamedAt ? NEW : OLD));
      // The next write (the restart's replay) recovers from any leftover tmp.
      await writeSidecar(path, NEW);
      expect(await readFile(path, 'utf8')).toBe(serializeSidecar(NEW));
    },
  );

  it.each(SIDECAR_WRITE_STEPS.map((step) => [step] as const))(
    'first write killed after %s: no file or the complete new content',
    async (step) => {
      const dir = join(root, `first-${step}`);
      await mkdir(dir);
      const path = join(dir, 'keys.json');
      expect(crashAt(path, step).signal).toBe('SIGKILL');
      const names = await readdir(dir);
      if (names.includes('keys.json')) expect(await readFile(path, 'utf8')).toBe(serializeSidecar(NEW));
      else expect(SIDECAR_WRITE_STEPS.indexOf(step)).toBeLessThan(SIDECAR_WRITE_STEPS.indexOf('renamed'));
    },
  );

  it('completes without a hook, and refuses an unknown step name', async () => {
    const dir = join(root, 'complete');
    await mkdir(dir);
    const path = join(dir, 'keys.json');
    const done = crashAt(path, 'none');
    expect([done.status, done.stdout]).toEqual([0, 'completed\n']);
    expect(await readFile(path, 'utf8')).toBe(serializeSidecar(NEW));
    const bad = crashAt(path, 'no-such-step');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown sidecar write step/);
  });
});
