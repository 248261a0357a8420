// The encryption checker: plaintext canaries (I1), nonce reuse (I2), replica
// agreement (I3), exactly-at-cutover wrapping (I5), one-way state (I8),
// idempotent Enable (I10), rotations taking effect (E14, E23) and no client
// write served before a startup rotation finished (E23).
export { checkEncryption } from './check-encryption.js';
export type { EncryptionInput } from './encryption-facts.js';
