/**
 * The encryption layer's closed error registry (codes 4001–4099), part of the
 * public contract: `StatusResponse.haltCode` / `haltError` name an entry of
 * it, and the operator key tools reject with `EncryptionError`. Re-exported
 * from the encryption layer (one registry, not a copy).
 */
export { EncryptionErrors, EncryptionError, allEncryptionErrorSpecs, isEncryptionError } from '../encryption/errors.js';
export type { EncryptionErrorName, EncryptionErrorSpec } from '../encryption/errors.js';
