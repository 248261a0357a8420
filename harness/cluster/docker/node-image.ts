/**
 * Resolves the reference node's image for the docker backend. The harness may
 * not import the node's internals, so the image is built by running the
 * node's own build command as a separate process
 * (`dist/reference-node/docker/build-image-cli.js`, content-hash cached: a
 * second build of an unchanged checkout takes well under a second).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { HarnessError } from '../../errors/index.js';
import { runHostCommand } from './host-command.js';

/** The image the containers run and what it offers. */
export interface ResolvedImage {
  readonly tag: string;
  /** libfaketime inside the image (the base image's EKV_FAKETIME_LIB), or null. */
  readonly faketimeLibrary: string | null;
}

const buildTimeoutMs = 600_000;

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'ekv-jepsen'
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new HarnessError('BACKEND_UNAVAILABLE', 'cannot find the ekv-jepsen checkout to build the node image from');
    dir = parent;
  }
}

/** Builds (or finds cached) the node image through the node's build command; returns its tag. */
export async function buildNodeImageTag(log: (line: string) => void): Promise<string> {
  const cli = resolve(repoRoot(), 'dist', 'reference-node', 'docker', 'build-image-cli.js');
  if (!existsSync(cli)) throw new HarnessError('BACKEND_UNAVAILABLE', `${cli} is missing; run npm run build first`);
  const stdout = await runHostCommand(process.execPath, [cli], {
    timeoutMs: buildTimeoutMs,
    onStderr: (chunk) =>
      chunk
        .split('\n')
        .filter((line) => line !== '')
        .forEach(log),
  });
  const tag = stdout.trim().split('\n').pop() ?? '';
  if (tag === '') throw new HarnessError('BACKEND_UNAVAILABLE', 'the node image build printed no tag');
  return tag;
}

/** Inspects `tag` (which must exist locally: nothing is ever pulled). */
export async function describeImage(docker: Dockerode, tag: string): Promise<ResolvedImage> {
  let env: string[];
  try {
    env = (await docker.getImage(tag).inspect()).Config.Env ?? [];
  } catch (error) {
    throw new HarnessError(
      'BACKEND_UNAVAILABLE',
      `image ${tag} is not available locally (nothing is pulled): ${(error as Error).message}`,
    );
  }
  const entry = env.find((line) => line.startsWith('EKV_FAKETIME_LIB='));
  return Object.freeze({ tag, faketimeLibrary: entry === undefined ? null : entry.slice('EKV_FAKETIME_LIB='.length) });
}
