/**
 * The bounds of the kv layer, in one place (STYLE.md 3). The server copies
 * them into its resolved configuration.
 */
export const KvDefaults = Object.freeze({
  /** Largest user key accepted in a request. */
  keyBytesMax: 4096,
  /** Largest value accepted in a request. */
  valueBytesMax: 1024 * 1024,
  /** Most requests in one 0x01 batch payload. */
  batchRequestsMax: 1024,
  /** Most proposals waiting for their apply at once (then Overloaded). */
  pendingProposalsMax: 10_000,
  /** How far ahead of its physical clock a leader's lease ceiling reaches. */
  leaseMs: 2_000,
});

/** The bounds the payload decoders enforce. */
export interface PayloadLimits {
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly batchRequestsMax: number;
}
