/**
 * Builds the reference node's image offline and caches it by content:
 *  1. the base image (scripts/build-base-image.sh, assembled from host files
 *     and `docker import`ed: no registry is reachable, nothing is pulled),
 *     tagged by a hash of the script and the host's node binary;
 *  2. the app image (reference-node/Dockerfile, classic builder), tagged
 *     `ekv-node:<hash of its build context>`; when that tag exists the build
 *     is skipped, so repeated test runs pay for it once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withBuildLock } from './build-lock.js';
import { hashContext, listContextEntries, type ContextEntry } from './image-files.js';
import { runCommand } from './run-command.js';

/** Options of {@link buildNodeImage}. */
export interface BuildNodeImageOptions {
  /** The repository root (see `findRepoRoot`); it must be built (`dist/`). */
  readonly repoRoot: string;
  /** A base image to use as-is instead of the offline one (e.g. `node:20-bookworm-slim`). */
  readonly baseImage?: string;
  /** More tags to put on the image (e.g. `ekv-node:local` for docker-compose). */
  readonly extraTags?: readonly string[];
  /** Progress lines (which step runs, whether the cache was hit). */
  readonly log?: (line: string) => void;
}

/** The result of {@link buildNodeImage}. */
export interface NodeImage {
  /** `ekv-node:<context hash>`. */
  readonly tag: string;
  readonly baseImage: string;
  /** False when an image with the same content hash already existed. */
  readonly built: boolean;
  /** Path of libfaketime inside the image, or null (stock base images lack it). */
  readonly faketimeLibrary: string | null;
}

/** Bounds of the docker commands (a wedged daemon must fail the build, not hang it). */
export const imageBuildDefaults = Object.freeze({
  baseImageTimeoutMs: 120_000,
  buildTimeoutMs: 300_000,
  inspectTimeoutMs: 30_000,
  repository: 'ekv-node',
  baseRepository: 'ekv-node-base',
  hashChars: 16,
});

const dockerEnv = Object.freeze({ DOCKER_BUILDKIT: '0' });

async function imageEnv(image: string): Promise<readonly string[] | null> {
  try {
    const { stdout } = await runCommand('docker', ['image', 'inspect', '--format', '{{json .Config.Env}}', image], {
      timeoutMs: imageBuildDefaults.inspectTimeoutMs,
    });
    return (JSON.parse(stdout) as string[] | null) ?? [];
  } catch {
    return null;
  }
}

async function imageId(image: string): Promise<string> {
  const { stdout } = await runCommand('docker', ['image', 'inspect', '--format', '{{.Id}}', image], {
    timeoutMs: imageBuildDefaults.inspectTimeoutMs,
  });
  return stdout.trim();
}

/** The offline base image's tag: changes when the script or the host's node binary changes. */
function offlineBaseTag(repoRoot: string): string {
  const script = join(repoRoot, 'scripts', 'build-base-image.sh');
  const node = statSync(process.execPath);
  const hash = createHash('sha256')
    .update(readFileSync(script))
    .update(`${process.execPath}\0${node.size}\0${node.mtimeMs}\0${process.version}`)
    .digest('hex')
    .slice(0, imageBuildDefaults.hashChars);
  return `${imageBuildDefaults.baseRepository}:${hash}`;
}

async function ensureOfflineBase(repoRoot: string, log: (line: string) => void): Promise<string> {
  const tag = offlineBaseTag(repoRoot);
  if ((await imageEnv(tag)) !== null) return tag;
  log(`building the offline base image ${tag} from host files`);
  await runCommand('bash', [join(repoRoot, 'scripts', 'build-base-image.sh'), '--if-missing', tag], {
    cwd: repoRoot,
    timeoutMs: imageBuildDefaults.baseImageTimeoutMs,
  });
  return tag;
}

/** Hard-links (or copies, across file systems) the context into a fresh directory. */
function stageContext(entries: readonly ContextEntry[], dir: string): void {
  for (const entry of entries) {
    const target = join(dir, entry.path);
    mkdirSync(dirname(target), { recursive: true });
    if (entry.kind === 'symlink') {
      symlinkSync(readlinkSync(entry.source), target);
      continue;
    }
    try {
      linkSync(entry.source, target);
    } catch {
      copyFileSync(entry.source, target);
    }
  }
}

/**
 * Removes older content-hash tags of the node image so repeated builds after
 * code changes do not pile up. Images a container still uses stay (no force);
 * failures are ignored: pruning is housekeeping, never a reason to fail a build.
 */
async function pruneOlderImages(currentTag: string): Promise<void> {
  const { stdout } = await runCommand(
    'docker',
    ['images', '--filter', 'label=org.ekv.image=node', '--format', '{{.Repository}}:{{.Tag}}'],
    {
      timeoutMs: imageBuildDefaults.inspectTimeoutMs,
    },
  ).catch(() => ({ stdout: '' }));
  const hashTag = new RegExp(`^${imageBuildDefaults.repository}:[0-9a-f]{${imageBuildDefaults.hashChars}}$`);
  for (const tag of stdout.split('\n').map((line) => line.trim())) {
    if (tag === currentTag || !hashTag.test(tag)) continue;
    await runCommand('docker', ['rmi', tag], { timeoutMs: imageBuildDefaults.inspectTimeoutMs }).catch(() => undefined);
  }
  // Re-pointing an extra tag (ekv-node:local) leaves the previous image untagged.
  const dangling = await runCommand(
    'docker',
    ['images', '--quiet', '--filter', 'dangling=true', '--filter', 'label=org.ekv.image=node'],
    {
      timeoutMs: imageBuildDefaults.inspectTimeoutMs,
    },
  ).catch(() => ({ stdout: '' }));
  for (const id of new Set(
    dangling.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== ''),
  )) {
    await runCommand('docker', ['rmi', id], { timeoutMs: imageBuildDefaults.inspectTimeoutMs }).catch(() => undefined);
  }
}

/**
 * Builds (or finds in the cache) the reference node's image. Requires a
 * reachable Docker engine and a built checkout (`npm run build`).
 */
export async function buildNodeImage(options: BuildNodeImageOptions): Promise<NodeImage> {
  const lockFile = join(options.repoRoot, '.tmp', 'image-build.lock');
  return withBuildLock(lockFile, imageBuildDefaults.baseImageTimeoutMs + imageBuildDefaults.buildTimeoutMs, () =>
    buildUnlocked(options),
  );
}

async function buildUnlocked(options: BuildNodeImageOptions): Promise<NodeImage> {
  const log = options.log ?? ((): void => undefined);
  const { repoRoot } = options;
  const baseImage = options.baseImage ?? (await ensureOfflineBase(repoRoot, log));
  const dockerfile = join(repoRoot, 'reference-node', 'Dockerfile');
  const entries = listContextEntries(repoRoot);
  const hash = hashContext(entries, [readFileSync(dockerfile, 'utf8'), baseImage, await imageId(baseImage)]);
  const tag = `${imageBuildDefaults.repository}:${hash.slice(0, imageBuildDefaults.hashChars)}`;
  let built = false;
  if ((await imageEnv(tag)) === null) {
    log(`building ${tag} (${entries.length} files) FROM ${baseImage}`);
    const contextDir = join(repoRoot, '.tmp', `image-context-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      stageContext(entries, contextDir);
      const args = ['build', '--quiet', '--file', dockerfile, '--build-arg', `BASE_IMAGE=${baseImage}`];
      args.push('--label', 'org.ekv.image=node', '--label', `org.ekv.context-hash=${hash}`, '--tag', tag, contextDir);
      await runCommand('docker', args, { env: dockerEnv, timeoutMs: imageBuildDefaults.buildTimeoutMs });
      built = true;
    } finally {
      rmSync(contextDir, { recursive: true, force: true });
    }
  } else {
    log(`image ${tag} is up to date`);
  }
  for (const extra of options.extraTags ?? []) {
    await runCommand('docker', ['tag', tag, extra], { timeoutMs: imageBuildDefaults.inspectTimeoutMs });
  }
  if (built) await pruneOlderImages(tag);
  const env = (await imageEnv(tag)) ?? [];
  const faketime = env.find((line) => line.startsWith('EKV_FAKETIME_LIB='));
  return Object.freeze({
    tag,
    baseImage,
    built,
    faketimeLibrary: faketime === undefined ? null : faketime.slice('EKV_FAKETIME_LIB='.length),
  });
}
