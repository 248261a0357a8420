/**
 * The files that go into the reference node's image, mirroring the
 * repository layout (see reference-node/Dockerfile and .dockerignore):
 * package.json, bin/, dist/ (without tests and source maps), the protos, and
 * the PRODUCTION packages of node_modules as package-lock.json lists them —
 * dev dependencies (typescript, vitest, eslint …) stay out of the image.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ImageBuildError } from './image-build-error.js';

/** One entry of the build context: its path in the context and where it comes from. */
export interface ContextEntry {
  /** Path relative to the repository root with `/` separators. */
  readonly path: string;
  readonly source: string;
  readonly kind: 'file' | 'symlink';
}

interface LockPackage {
  readonly dev?: boolean;
  readonly link?: boolean;
}

/** Top-level entries copied whole (filtered by {@link isExcluded}). */
const copiedTrees = ['bin', 'dist', join('reference-node', 'proto')] as const;

function isExcluded(path: string): boolean {
  return path.endsWith('.test.js') || path.endsWith('.map');
}

/** Walks a directory tree; `skip` prunes directories (nested node_modules). */
function walk(root: string, dir: string, skip: (dir: string) => boolean, out: ContextEntry[]): void {
  for (const dirent of readdirSync(dir, { withFileTypes: true })) {
    const source = join(dir, dirent.name);
    const path = relative(root, source).split(sep).join('/');
    if (dirent.isDirectory()) {
      if (!skip(source)) walk(root, source, skip, out);
    } else if (dirent.isSymbolicLink()) {
      out.push({ path, source, kind: 'symlink' });
    } else if (dirent.isFile() && !isExcluded(path)) {
      out.push({ path, source, kind: 'file' });
    }
  }
}

/** Directories of the production packages, from package-lock.json (lockfile v2/v3). */
export function productionPackageDirs(repoRoot: string): string[] {
  const lockPath = join(repoRoot, 'package-lock.json');
  if (!existsSync(lockPath)) throw new ImageBuildError('dependencies-missing', `${lockPath} is missing`);
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages?: Record<string, LockPackage> };
  if (lock.packages === undefined)
    throw new ImageBuildError('dependencies-missing', `${lockPath} has no "packages" (lockfile v1 is not supported)`);
  const dirs: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || entry.dev === true || entry.link === true) continue;
    const dir = join(repoRoot, key);
    // Optional platform packages for other systems are in the lock but not installed.
    if (existsSync(dir)) dirs.push(dir);
  }
  if (dirs.length === 0)
    throw new ImageBuildError('dependencies-missing', `no production package of ${lockPath} is installed; run npm ci`);
  return dirs;
}

/** Every entry of the image's build context, sorted by path (the hash depends on the order). */
export function listContextEntries(repoRoot: string): ContextEntry[] {
  if (!existsSync(join(repoRoot, 'dist')))
    throw new ImageBuildError('not-built', `${join(repoRoot, 'dist')} is missing; run npm run build first`);
  const entries: ContextEntry[] = [{ path: 'package.json', source: join(repoRoot, 'package.json'), kind: 'file' }];
  const never = (): boolean => false;
  for (const tree of copiedTrees) walk(repoRoot, join(repoRoot, tree), never, entries);
  // Nested node_modules folders are packages of their own in the lock file.
  const nested = (dir: string): boolean => dir.endsWith(`${sep}node_modules`);
  for (const dir of productionPackageDirs(repoRoot)) walk(repoRoot, dir, nested, entries);
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return entries;
}

/**
 * A content hash of the build context plus `extra` strings (the Dockerfile,
 * the base image id): equal hashes mean an equal image, so the image tag can
 * be the hash and a second build is skipped.
 */
export function hashContext(entries: readonly ContextEntry[], extra: readonly string[]): string {
  const hash = createHash('sha256');
  for (const item of extra) hash.update(`extra\0${item}\0`);
  for (const entry of entries) {
    hash.update(`${entry.kind}\0${entry.path}\0`);
    hash.update(entry.kind === 'symlink' ? readlinkSync(entry.source) : readFileSync(entry.source));
    hash.update('\0');
  }
  return hash.digest('hex');
}
