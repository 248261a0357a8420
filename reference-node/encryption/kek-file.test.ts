import { execFileSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEncryptionError } from './errors.js';
import { kekFromBytes, loadKekFile, WRAPPED_DEK_BYTES } from './kek-file.js';
import { keyBytes, rejected, tempDir, testKek, thrown } from './test/fixtures.js';

describe('KEK wrap format (spec §1.1)', () => {
  it('wraps a DEK into nonce(12) ‖ GCM(dek32) = 60 bytes and unwraps it', () => {
    const kek = testKek();
    const wrapped = kek.wrapDek(keyBytes(7));
    expect(wrapped.length).toBe(WRAPPED_DEK_BYTES);
    expect(Buffer.from(kek.unwrapDek(wrapped))).toEqual(Buffer.from(keyBytes(7)));
    // Random nonce: two wraps of the same DEK differ.
    expect(Buffer.from(kek.wrapDek(keyBytes(7)))).not.toEqual(Buffer.from(wrapped));
  });

  it('rejects any length other than 60 on unwrap', () => {
    const kek = testKek();
    const wrapped = kek.wrapDek(keyBytes(7));
    for (const bad of [wrapped.subarray(0, 59), Buffer.concat([wrapped, Buffer.from([0])]), new Uint8Array(0)]) {
      expect(
        isEncryptionError(
          thrown(() => kek.unwrapDek(bad)),
          'ErrWrappedDEKSize',
        ),
      ).toBe(true);
    }
  });

  it('fails to unwrap under another KEK or after a bit flip', () => {
    const wrapped = testKek(1).wrapDek(keyBytes(7));
    expect(
      isEncryptionError(
        thrown(() => testKek(2).unwrapDek(wrapped)),
        'ErrKEKUnwrap',
      ),
    ).toBe(true);
    const flipped = Buffer.from(wrapped);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    expect(
      isEncryptionError(
        thrown(() => testKek(1).unwrapDek(flipped)),
        'ErrKEKUnwrap',
      ),
    ).toBe(true);
  });

  it('refuses a KEK that is not 32 bytes', () => {
    expect(
      isEncryptionError(
        thrown(() => kekFromBytes(new Uint8Array(31))),
        'ErrKEKFileSize',
      ),
    ).toBe(true);
  });
});

describe('KEK file provider', () => {
  let dir = '';
  let remove: () => Promise<void> = async () => undefined;
  beforeEach(async () => {
    ({ dir, remove } = await tempDir('kek'));
  });
  afterEach(async () => remove());

  const writeKek = async (name: string, bytes: Uint8Array, mode: number): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    await chmod(path, mode);
    return path;
  };

  it('loads exactly 32 raw bytes from a 0600 regular file', async () => {
    const kek = await loadKekFile(await writeKek('kek', keyBytes(9), 0o600));
    const wrapped = kekFromBytes(keyBytes(9)).wrapDek(keyBytes(1));
    expect(Buffer.from(kek.unwrapDek(wrapped))).toEqual(Buffer.from(keyBytes(1)));
    await expect(loadKekFile(await writeKek('kek400', keyBytes(9), 0o400))).resolves.toBeDefined();
  });

  it.each([0o644, 0o640, 0o604, 0o610, 0o601])('refuses mode %o with ErrInsecureKEKFile', async (mode) => {
    const err = await rejected(loadKekFile(await writeKek(`kek-${mode}`, keyBytes(9), mode)));
    expect(isEncryptionError(err, 'ErrInsecureKEKFile')).toBe(true);
  });

  it.each([0, 31, 33, 64])('refuses a %i-byte file with ErrKEKFileSize', async (size) => {
    const err = await rejected(loadKekFile(await writeKek(`kek-${size}`, new Uint8Array(size), 0o600)));
    expect(isEncryptionError(err, 'ErrKEKFileSize')).toBe(true);
  });

  it('refuses a directory, a FIFO and /dev/zero as not regular, without blocking', async () => {
    const sub = join(dir, 'sub');
    await mkdir(sub, { mode: 0o700 });
    expect(isEncryptionError(await rejected(loadKekFile(sub)), 'ErrKEKFileNotRegular')).toBe(true);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    expect(isEncryptionError(await rejected(loadKekFile(fifo)), 'ErrKEKFileNotRegular')).toBe(true);
    expect(isEncryptionError(await rejected(loadKekFile('/dev/zero')), 'ErrKEKFileNotRegular')).toBe(true);
  });

  it('reports a missing or empty path as ErrKEKFileRead', async () => {
    expect(isEncryptionError(await rejected(loadKekFile(join(dir, 'absent'))), 'ErrKEKFileRead')).toBe(true);
    expect(isEncryptionError(await rejected(loadKekFile('')), 'ErrKEKFileRead')).toBe(true);
  });
});
