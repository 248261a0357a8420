import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { withBuildLock } from './build-lock.js';

describe('withBuildLock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ekv-build-lock-'));
  const lock = join(dir, 'image-build.lock');
  afterEach(() => rmSync(lock, { force: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serializes holders and releases the file', async () => {
    const events: string[] = [];
    const holder = (name: string) => async (): Promise<void> => {
      events.push(`${name}+`);
      await sleep(50);
      events.push(`${name}-`);
    };
    await Promise.all([withBuildLock(lock, 5_000, holder('a')), withBuildLock(lock, 5_000, holder('b'))]);
    expect(events.join(' ')).toMatch(/^(a\+ a- b\+ b-|b\+ b- a\+ a-)$/);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose holder process is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(lock, String(dead));
    await expect(withBuildLock(lock, 2_000, async () => 'ran')).resolves.toBe('ran');
  });

  it('gives up with a clear error when a live holder keeps it', async () => {
    writeFileSync(lock, String(process.pid));
    await expect(withBuildLock(lock, 300, async () => 'ran')).rejects.toThrow(/held .* for more than 300 ms/);
  });
});
