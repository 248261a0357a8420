/**
 * Lets a plain `node` child process run this repository's TypeScript sources
 * directly (crash tests need a real process to SIGKILL, and must test the
 * sources, not a possibly stale dist/). Writes two small module-hook files
 * into a temporary directory: each .ts file is transpiled on its own (no type
 * checking), and `./x.js` imports resolve to `./x.ts` when only the
 * TypeScript source exists.
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const typescriptUrl = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;

const hooksSource = `
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from ${JSON.stringify(typescriptUrl)};

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent !== undefined && parent.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const jsUrl = new URL(specifier, parent);
    const tsUrl = new URL(specifier.replace(/\\.js$/, '.ts'), parent);
    if (!existsSync(fileURLToPath(jsUrl)) && existsSync(fileURLToPath(tsUrl))) {
      return { url: tsUrl.href, format: 'module', shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const fileName = fileURLToPath(url);
    const source = await readFile(fileName, 'utf8');
    const output = ts.transpileModule(source, {
      fileName,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    });
    return { format: 'module', source: output.outputText, shortCircuit: true };
  }
  return nextLoad(url, context);
}
`;

/**
 * Writes the hooks into `dir` and returns the node arguments that run
 * `entryPoint` (a .ts file) with them: `[...args, entryPoint, ...]`.
 */
export async function typescriptNodeArguments(dir: string, entryPoint: string): Promise<string[]> {
  const hooksPath = path.join(dir, 'ts-hooks.mjs');
  const registerPath = path.join(dir, 'register-ts.mjs');
  await writeFile(hooksPath, hooksSource);
  await writeFile(registerPath, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooksPath).href)});\n`);
  return ['--import', pathToFileURL(registerPath).href, entryPoint];
}
