/**
 * Lets a plain `node` child process run this repository's TypeScript sources
 * (crash tests need a real process to SIGKILL, and must test the sources, not
 * a possibly stale dist/). The entry point and every module it reaches
 * through relative imports are transpiled once, in the test process, into a
 * throw-away directory under the system temporary directory, with a
 * `node_modules` link to the repository's, so bare imports still resolve. No
 * type checking happens here: the sources are type-checked by tsc and the
 * linter.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repositoryRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** A transpiled entry point: run `node <entryPoint> …`; `dispose` removes the output. */
export interface TranspiledEntryPoint {
  readonly entryPoint: string;
  readonly dispose: () => Promise<void>;
}

/** Transpiles `entryPoint` (a .ts file in the repository) and its relative imports to JavaScript. */
export async function transpileForChildProcess(entryPoint: string): Promise<TranspiledEntryPoint> {
  const outputRoot = await mkdtemp(path.join(os.tmpdir(), 'ekv-ts-child-'));
  await symlink(path.join(repositoryRoot, 'node_modules'), path.join(outputRoot, 'node_modules'), 'dir');
  const pending = [path.resolve(entryPoint)];
  const done = new Set<string>();
  while (pending.length > 0) {
    const source = pending.pop()!;
    if (done.has(source)) continue;
    done.add(source);
    const text = await readFile(source, 'utf8');
    for (const match of text.matchAll(RELATIVE_IMPORT)) {
      const target = path.resolve(path.dirname(source), match[1]!.replace(/\.js$/, '.ts'));
      if (existsSync(target)) pending.push(target);
    }
    const output = ts.transpileModule(text, {
      fileName: source,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    });
    const destination = path.join(outputRoot, path.relative(repositoryRoot, source)).replace(/\.ts$/, '.js');
    await mkdir(path.dirname(destination), { recursive: true });
    await writeFile(destination, output.outputText);
  }
  // Mark the tree as ES modules whatever the nearest package.json says.
  await writeFile(path.join(outputRoot, 'package.json'), '{"type":"module"}\n');
  return {
    entryPoint: path.join(outputRoot, path.relative(repositoryRoot, entryPoint)).replace(/\.ts$/, '.js'),
    dispose: () => rm(outputRoot, { recursive: true, force: true }),
  };
}
