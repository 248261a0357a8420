/**
 * A halt (spec §5.4) as an entry of the encryption error registry, for
 * Status's `halt_code` / `halt_error`: the most specific registered error in
 * the halt's cause chain (the innermost one, e.g. ErrFSMWireSubtag under
 * ErrEncryptionApply, or ErrIntegrity under ErrRaftUnwrapFailed), else the
 * halt's own sentinel. The chain is built deterministically from the entry's
 * bytes and the replicated state, so every replica that halts on the same
 * entry, and the same replica after a restart, names the same entry.
 */
import { EncryptionError, EncryptionErrors, type EncryptionErrorSpec } from '../encryption/index.js';
import type { HaltError } from '../kv/index.js';

/** Causes followed at most (chains are short and never cyclic; the bound guards anyway). */
const causeDepthMax = 16;

/** The registry entry that names `halt`. */
export function haltErrorSpec(halt: HaltError): EncryptionErrorSpec {
  let spec: EncryptionErrorSpec = EncryptionErrors[halt.reason];
  let current: unknown = halt.cause;
  for (let depth = 0; depth < causeDepthMax && current instanceof Error; depth++) {
    if (current instanceof EncryptionError) spec = EncryptionErrors[current.errorName];
    current = current.cause;
  }
  return spec;
}
