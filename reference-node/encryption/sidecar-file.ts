/**
 * Sidecar persistence (spec §4.1, §4.3): read, the crash-durable write
 * protocol, and the startup filesystem probe. A crash at any step of the write
 * leaves either the complete old file or the complete new file.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, readFileSync } from 'node:fs';
import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EncryptionError } from './errors.js';
import { parseSidecar, serializeSidecar, type Sidecar } from './sidecar-codec.js';

/** Mode of the sidecar and its temp file: owner read/write only. */
export const SIDECAR_FILE_MODE = 0o600;

/** The steps of the write protocol, in order; a step hook runs right after each one. */
export const SIDECAR_WRITE_STEPS = [
  'content-built',
  'stale-tmp-removed',
  'tmp-created',
  'tmp-written',
  'tmp-fsynced',
  'tmp-closed',
  'renamed',
  'directory-fsynced',
] as const;

/** One step of the sidecar write protocol. */
export type SidecarWriteStep = (typeof SIDECAR_WRITE_STEPS)[number];

/** The fsyncs, injectable so tests can simulate a filesystem without durable fsync. */
export interface SidecarFsyncIo {
  fsyncFile(handle: FileHandle): Promise<void>;
  fsyncDirectory(directory: string): Promise<void>;
}

/** Real fsync(2) of a file and of a directory. */
export const nodeFsyncIo: SidecarFsyncIo = Object.freeze({
  fsyncFile: (handle: FileHandle) => handle.sync(),
  fsyncDirectory: async (directory: string) => {
    const handle = await open(directory, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
});

/** Options of {@link writeSidecar}. */
export interface SidecarWriteOptions {
  readonly io?: SidecarFsyncIo;
  /** Test hook: called after each protocol step (crash tests stop the process here). */
  readonly onStep?: (step: SidecarWriteStep) => void | Promise<void>;
  /** Catalogued bugs (B47 here). */
  readonly bugs?: ReadonlySet<string>;
}

/**
 * A step hook that kills this process with SIGKILL right after `step` — the
 * crash-test hook (the server may wire it from a test-only flag or env value).
 * Throws for a name that is not a protocol step.
 */
export function killAtSidecarStep(step: string): (reached: SidecarWriteStep) => void {
  if (!(SIDECAR_WRITE_STEPS as readonly string[]).includes(step)) {
    throw new Error(
      `unknown sidecar write step ${JSON.stringify(step)}; expected one of ${SIDECAR_WRITE_STEPS.join(', ')}`,
    );
  }
  return (reached) => {
    if (reached === step) process.kill(process.pid, 'SIGKILL');
  };
}

/** The temp path `<same dir>/<name>.tmp`. */
export function sidecarTempPath(path: string): string {
  return join(dirname(path), `${basename(path)}.tmp`);
}

function sidecarReadError(path: string, err: unknown): null {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw new EncryptionError('ErrSidecarIO', `cannot read sidecar ${path}`, { cause: err });
}

/** Read and validate the sidecar; null if the file does not exist. */
export async function readSidecar(path: string): Promise<Sidecar | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return sidecarReadError(path, err);
  }
  return parseSidecar(text);
}

/**
 * `readSidecar` in one synchronous step, for a reading that must not let
 * anything else run in between (GetSidecarState pairs it with the applied
 * index). The file is a few hundred bytes.
 */
export function readSidecarSync(path: string): Sidecar | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return sidecarReadError(path, err);
  }
  return parseSidecar(text);
}

/**
 * The crash-durable write (spec §4.3): build the complete content; remove a
 * stale tmp; create the tmp exclusively with 0600 (so it never inherits wider
 * permissions); write, fsync, close; rename over the sidecar; fsync the
 * directory (failure → ErrUnsupportedFilesystem). Only after this returns may
 * the FSM apply report success. On failure the tmp is removed if possible.
 */
export async function writeSidecar(path: string, sidecar: Sidecar, options: SidecarWriteOptions = {}): Promise<void> {
  const io = options.io ?? nodeFsyncIo;
  const step = async (name: SidecarWriteStep): Promise<void> => {
    await options.onStep?.(name);
  };
  const content = Buffer.from(serializeSidecar(sidecar), 'utf8');
  await step('content-built');
  const tmp = sidecarTempPath(path);
  try {
    await removeIfPresent(tmp);
    await step('stale-tmp-removed');
    await writeTemp(tmp, content, io, step, options.bugs);
    await rename(tmp, path).catch((cause: unknown) => {
      throw new EncryptionError('ErrSidecarIO', `cannot rename ${tmp} over ${path}`, { cause });
    });
    await step('renamed');
    await io.fsyncDirectory(dirname(path)).catch((cause: unknown) => {
      throw new EncryptionError('ErrUnsupportedFilesystem', `fsync of sidecar directory ${dirname(path)} failed`, {
        cause,
      });
    });
    await step('directory-fsynced');
  } catch (err) {
    await removeIfPresent(tmp).catch(() => undefined);
    if (err instanceof EncryptionError) throw err;
    throw new EncryptionError('ErrSidecarIO', `cannot write sidecar ${path}`, { cause: err });
  }
}

async function writeTemp(
  tmp: string,
  content: Buffer,
  io: SidecarFsyncIo,
  step: (name: SidecarWriteStep) => Promise<void>,
  bugs?: ReadonlySet<string>,
): Promise<void> {
  // BUG SWITCH B47: the temp file gets the default mode (0666 less the umask), and the rename makes it keys.json.
  const mode = bugs?.has('B47') === true ? 0o666 : SIDECAR_FILE_MODE;
  const handle = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
  let closed = false;
  try {
    await step('tmp-created');
    await handle.writeFile(content);
    await step('tmp-written');
    await io.fsyncFile(handle).catch((cause: unknown) => {
      throw new EncryptionError('ErrSidecarIO', `fsync of ${tmp} failed`, { cause });
    });
    await step('tmp-fsynced');
    closed = true;
    await handle.close();
    await step('tmp-closed');
  } finally {
    if (!closed) await handle.close().catch(() => undefined);
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * The startup probe (`ProbeSidecarFilesystem`): in `directory`, create
 * `.encryption-probe-*.tmp`, write and fsync it, rename it to `*.final`,
 * fsync the directory, delete it. An fsync failure is ErrUnsupportedFilesystem;
 * a missing directory is a plain ErrSidecarIO.
 */
export async function probeSidecarFilesystem(directory: string, io: SidecarFsyncIo = nodeFsyncIo): Promise<void> {
  const stem = join(directory, `.encryption-probe-${randomBytes(6).toString('hex')}`);
  const tmp = `${stem}.tmp`;
  const final = `${stem}.final`;
  let handle: FileHandle;
  try {
    handle = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, SIDECAR_FILE_MODE);
  } catch (cause) {
    throw new EncryptionError('ErrSidecarIO', `cannot create a probe file in sidecar directory ${directory}`, {
      cause,
    });
  }
  try {
    try {
      await handle.writeFile('probe');
      await io.fsyncFile(handle);
    } catch (cause) {
      throw new EncryptionError('ErrUnsupportedFilesystem', `file fsync failed in sidecar directory ${directory}`, {
        cause,
      });
    } finally {
      await handle.close();
    }
    await rename(tmp, final);
    await io.fsyncDirectory(directory).catch((cause: unknown) => {
      throw new EncryptionError(
        'ErrUnsupportedFilesystem',
        `directory fsync failed for sidecar directory ${directory}`,
        { cause },
      );
    });
  } finally {
    await removeIfPresent(tmp).catch(() => undefined);
    await removeIfPresent(final).catch(() => undefined);
  }
}
