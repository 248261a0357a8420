/**
 * A cross-process lock file around image builds: parallel test files (and a
 * harness run beside them) would otherwise build the same image at the same
 * time, doubling the slowest step on a 2-core machine. The second caller
 * waits, then finds the image in the cache.
 */
import { mkdirSync, openSync, readFileSync, closeSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageBuildError } from './image-build-error.js';

const pollMs = 200;

function holderAlive(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return true; // being written or just released: look again
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A holder that died (killed test run) must not block builds forever.
    if (!holderAlive(path)) unlinkSync(path);
    return false;
  }
}

/** Runs `work` while holding the lock file `path`; waits at most `waitMs` for another holder. */
export async function withBuildLock<T>(path: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + waitMs;
  while (!tryAcquire(path)) {
    if (Date.now() >= deadline)
      throw new ImageBuildError('command-failed', `another process held ${path} for more than ${waitMs} ms`);
    await sleep(pollMs);
  }
  try {
    return await work();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // already removed as stale by someone else: nothing to release
    }
  }
}
