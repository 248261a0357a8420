/**
 * The `--data-dir` checks, in two halves: `checkDataDirUsable` when the flags
 * are parsed (also by `--check-flags`), which writes nothing; and
 * `prepareDataDir` at startup, once the listen socket is bound, which creates
 * the directory and proves it writable with a probe file. A refused start
 * (bad flags, address in use) therefore leaves the data dir as it was.
 */
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FlagError } from './flag-error.js';

function refusal(absolute: string, reason: string): FlagError {
  return new FlagError('--data-dir', `${absolute} is not a writable directory (${reason})`);
}

/** The nearest existing directory at or above `path`. */
function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
  return current;
}

/**
 * Refuses (FlagError) a data dir the node could not create or write, without
 * writing anything: an existing path must be a writable directory, a missing
 * one must be creatable (its nearest existing ancestor a writable directory).
 * Returns the absolute path.
 */
export function checkDataDirUsable(dir: string): string {
  const absolute = resolve(dir);
  const existing = nearestExisting(absolute);
  if (!statSync(existing).isDirectory())
    throw refusal(absolute, `${existing === absolute ? 'exists' : existing} is not a directory`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw refusal(
      absolute,
      existing === absolute ? 'no write permission' : `cannot create it: no write permission on ${existing}`,
    );
  }
  return absolute;
}

/** Creates the data dir if needed and proves it writable with a probe file (FlagError when it is not). */
export function prepareDataDir(absolute: string): void {
  try {
    mkdirSync(absolute, { recursive: true });
    const probe = join(absolute, `.write-probe-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (error) {
    throw refusal(absolute, error instanceof Error ? error.message : String(error));
  }
}
