/**
 * What the FSM returns for an entry: a response (KV errors included: they
 * never halt) or a halt marker (spec §5.4) that stops the apply loop without
 * advancing the applied index.
 */

/** The FSM's answer to one applied payload. */
export type FsmResponse =
  | { readonly kind: 'put'; readonly commitTs: bigint }
  | { readonly kind: 'delete'; readonly commitTs: bigint; readonly existed: boolean }
  | {
      readonly kind: 'compareAndSet';
      readonly commitTs: bigint;
      readonly succeeded: boolean;
      /** The value the compare saw (null = absent). */
      readonly current: Uint8Array | null;
    }
  | { readonly kind: 'batch'; readonly responses: readonly FsmResponse[] }
  | { readonly kind: 'leaseRenewal'; readonly ceilingMs: number }
  | { readonly kind: 'encryption'; readonly detail: string }
  /**
   * An ordinary apply error: the payload did not decode (KV opcode with a bad
   * body, or the legacy decoder's failure). The applied index still advances.
   */
  | { readonly kind: 'error'; readonly code: FsmErrorCode; readonly message: string };

/** Codes of non-halting apply errors. */
export type FsmErrorCode = 'KvDecodeFailed' | 'LegacyDecodeFailed';

/** Why the apply loop halted (the production sentinels' names). */
export type HaltReason = 'ErrEncryptionApply' | 'ErrRaftUnwrapFailed';

/** A halt marker's error: stops the apply loop; persists across restarts. */
export class HaltError extends Error {
  readonly reason: HaltReason;

  constructor(reason: HaltReason, message: string, options?: { cause?: unknown }) {
    super(`${reason}: ${message}`, options);
    this.name = 'HaltError';
    this.reason = reason;
  }
}

/** The result of `StateMachine.apply`. */
export type ApplyResult =
  { readonly kind: 'response'; readonly response: FsmResponse } | { readonly kind: 'halt'; readonly error: HaltError };
