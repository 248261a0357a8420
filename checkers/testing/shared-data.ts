// Locates the reference histories (../shared/data beside the repository).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor of this module holding package.json. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (no package.json above this module)');
    dir = parent;
  }
  return dir;
}

/**
 * The shared reference data directory: `$EKV_SHARED_DATA` when set, else the
 * first `shared/data` beside the repository root or beside one of its
 * ancestors (`../shared/data` from a checkout, `../../shared/data` from a
 * worktree one level deeper).
 */
export function sharedDataDir(environment: NodeJS.ProcessEnv = process.env): string {
  const explicit = environment.EKV_SHARED_DATA;
  if (explicit !== undefined && explicit !== '') {
    if (!existsSync(explicit)) throw new Error(`EKV_SHARED_DATA=${explicit}: no such directory`);
    return resolve(explicit);
  }
  const root = repositoryRoot();
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'data');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `cannot find the shared reference data (no shared/data beside ${root} or its ancestors); set EKV_SHARED_DATA`,
  );
}

/** porcupine's etcd files that are linearizable (from shared/data/README.md); 095 is empty. */
export const etcdLinearizable: ReadonlySet<string> = new Set(
  '002 005 007 018 025 031 038 045 048 049 051 053 056 067 075 076 080 087 092 098 100 101 102'.split(' '),
);

/** The ids 000…102 of porcupine's etcd files that have a verdict (all but 095). */
export const etcdFileIds: readonly string[] = Array.from({ length: 103 }, (_, i) => String(i).padStart(3, '0')).filter(
  (id) => id !== '095',
);

/** The ten files porcupine spends ~98% of its etcd time on (README). */
export const etcdSlowestIds: readonly string[] = ['002', '007', '040', '053', '057', '075', '080', '085', '097', '099'];
