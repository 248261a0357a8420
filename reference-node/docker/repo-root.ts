/**
 * Finds the repository root from any file inside it. Sources run from
 * `reference-node/docker/`, compiled code from `dist/reference-node/docker/`,
 * so a fixed number of `..` would be wrong for one of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ImageBuildError } from './image-build-error.js';

const packageName = 'ekv-jepsen';

/** The nearest directory at or above `startDir` whose package.json is named `ekv-jepsen`. */
export function findRepoRoot(startDir: string): string {
  let dir = resolve(startDir);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (parsed.name === packageName) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new ImageBuildError('repo-not-found', `no package.json named ${packageName} at or above ${startDir}`);
    dir = parent;
  }
}
