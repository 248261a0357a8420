/**
 * Locates the package's root (where bin/ekv-node.js lives) from this module's
 * own location, so the harness finds the node both from sources (vitest) and
 * from dist/ (the bin launcher), whatever the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding this project's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const name = (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name;
      if (name === 'ekv-jepsen') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the ekv-jepsen package root above the harness module');
    dir = parent;
  }
}
