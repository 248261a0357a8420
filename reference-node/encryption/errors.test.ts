import { describe, expect, it } from 'vitest';
import { allEncryptionErrorSpecs, EncryptionError, EncryptionErrors, isEncryptionError } from './errors.js';

describe('encryption error registry', () => {
  it('has unique stable codes and names matching their keys', () => {
    const specs = allEncryptionErrorSpecs();
    expect(new Set(specs.map((s) => s.code)).size).toBe(specs.length);
    for (const [key, spec] of Object.entries(EncryptionErrors)) {
      expect(spec.name).toBe(key);
      expect(spec.doc.length).toBeGreaterThan(10);
    }
    expect(EncryptionErrors.ErrEncryptionApply.code).toBe(4054);
  });

  it('matches sentinels through the cause chain (like errors.Is)', () => {
    const inner = new EncryptionError('ErrIntegrity', 'tag mismatch');
    const outer = new EncryptionError('ErrEncryptedReadIntegrity', 'read failed', { cause: inner });
    expect(outer.code).toBe(EncryptionErrors.ErrEncryptedReadIntegrity.code);
    expect(outer.is('ErrIntegrity')).toBe(true);
    expect(isEncryptionError(outer, 'ErrUnknownKeyID')).toBe(false);
    expect(isEncryptionError(new Error('x', { cause: inner }), 'ErrIntegrity')).toBe(true);
    expect(isEncryptionError('not an error', 'ErrIntegrity')).toBe(false);
  });
});
