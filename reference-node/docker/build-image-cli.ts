/**
 * `node dist/reference-node/docker/build-image-cli.js [--tag NAME…] [--base-image IMAGE]`
 * (also `npm run image`): builds the reference node's image offline and
 * prints its content-hash tag on stdout (progress goes to stderr). The docker
 * backend of the harness runs this as a separate process, because the
 * harness may not import the node's internals.
 */
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { buildNodeImage } from './image-builder.js';
import { findRepoRoot } from './repo-root.js';

/** Runs the command line `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('build-image')
    .description('Build the ekv-node Docker image offline (content-hash tag, cached)')
    .option('--tag <name...>', 'extra tags for the image (e.g. ekv-node:local for docker-compose)', [])
    .option('--base-image <image>', 'use this base image instead of the offline one built from host files')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    return typeof (error as { exitCode?: unknown }).exitCode === 'number'
      ? (error as { exitCode: number }).exitCode
      : 2;
  }
  const opts = program.opts<{ tag: string[]; baseImage?: string }>();
  const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  const image = await buildNodeImage({
    repoRoot,
    extraTags: opts.tag,
    ...(opts.baseImage === undefined ? {} : { baseImage: opts.baseImage }),
    log: (line) => process.stderr.write(`build-image: ${line}\n`),
  });
  process.stdout.write(`${image.tag}\n`);
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`build-image: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
