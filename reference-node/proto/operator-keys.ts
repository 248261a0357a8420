/**
 * The operator's key tools, part of the public contract so that the harness
 * (which may import only this folder) and ekv-admin handle KEKs and DEKs the
 * same way: load the KEK file (exactly 32 raw bytes, a regular file without
 * group/other permission bits, so 0600 or 0400), draw a fresh DEK and hand out
 * only its KEK-wrapped 60-byte form, and pick the next DEK id. One
 * implementation: these are the encryption layer's own functions, re-exported.
 * They reject with `EncryptionError` (ErrKEKFileRead, ErrKEKFileNotRegular,
 * ErrInsecureKEKFile, ErrKEKFileSize, ErrKeyIDSpaceExhausted).
 */
export { loadKekFile, WRAPPED_DEK_BYTES } from '../encryption/kek-file.js';
export type { Kek } from '../encryption/kek-file.js';
export { generateWrappedDek, nextDekId } from '../encryption/dek-helper.js';
export type { WrappedDek } from '../encryption/dek-helper.js';
