import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageBuildError } from './image-build-error.js';
import { hashContext, listContextEntries, productionPackageDirs } from './image-files.js';
import { findRepoRoot } from './repo-root.js';

function put(root: string, path: string, content: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

describe('the image build context', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ekv-image-files-'));
    put(root, 'package.json', JSON.stringify({ name: 'ekv-jepsen' }));
    put(
      root,
      'package-lock.json',
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { name: 'ekv-jepsen' },
          'node_modules/prod': { version: '1.0.0' },
          'node_modules/prod/node_modules/nested': { version: '2.0.0' },
          'node_modules/devonly': { version: '1.0.0', dev: true },
          'node_modules/other-platform': { version: '1.0.0', optional: true },
        },
      }),
    );
    put(root, 'node_modules/prod/index.js', 'prod');
    put(root, 'node_modules/prod/node_modules/nested/index.js', 'nested');
    put(root, 'node_modules/devonly/index.js', 'dev');
    put(root, 'bin/ekv-node.js', 'bin');
    put(root, 'dist/reference-node/server/cli/ekv-node.js', 'main');
    put(root, 'dist/reference-node/server/cli/ekv-node.js.map', 'map');
    put(root, 'dist/reference-node/server/x.test.js', 'test');
    put(root, 'reference-node/proto/kv.proto', 'proto');
    put(root, 'reference-node/server/secret-source.ts', 'source');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('holds the built program, protos and production packages only', () => {
    expect(listContextEntries(root).map((entry) => entry.path)).toEqual([
      'bin/ekv-node.js',
      'dist/reference-node/server/cli/ekv-node.js',
      'node_modules/prod/index.js',
      'node_modules/prod/node_modules/nested/index.js',
      'package.json',
      'reference-node/proto/kv.proto',
    ]);
    expect(productionPackageDirs(root).map((dir) => dir.slice(root.length + 1))).toEqual([
      'node_modules/prod',
      'node_modules/prod/node_modules/nested',
    ]);
  });

  it('hashes content: equal trees hash equal, any changed byte or extra changes the hash', () => {
    const first = hashContext(listContextEntries(root), ['FROM base']);
    expect(hashContext(listContextEntries(root), ['FROM base'])).toBe(first);
    expect(hashContext(listContextEntries(root), ['FROM other'])).not.toBe(first);
    put(root, 'dist/reference-node/server/cli/ekv-node.js', 'main2');
    expect(hashContext(listContextEntries(root), ['FROM base'])).not.toBe(first);
  });

  it('refuses an unbuilt checkout with a typed error', () => {
    rmSync(join(root, 'dist'), { recursive: true });
    expect(() => listContextEntries(root)).toThrow(ImageBuildError);
    expect(() => listContextEntries(root)).toThrow(/npm run build/);
  });

  it('finds the repository root from a folder inside it', () => {
    mkdirSync(join(root, 'dist', 'reference-node', 'docker'), { recursive: true });
    expect(findRepoRoot(join(root, 'dist', 'reference-node', 'docker'))).toBe(root);
  });
});
