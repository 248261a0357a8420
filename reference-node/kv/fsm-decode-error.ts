/**
 * The only error the FSM payload decoders raise. Random bytes must produce
 * this (or a valid value), never a RangeError or a crash.
 */

/** Why a payload failed to decode. */
export type FsmDecodeErrorCode =
  /** Fewer bytes than a field needs. */
  | 'Truncated'
  /** Bytes left over after the last field. */
  | 'TrailingBytes'
  /** An unknown request kind, CAS expectation or opcode. */
  | 'UnknownTag'
  /** A length or count above its bound, or a negative/zero value where one is forbidden. */
  | 'OutOfBounds';

/** A payload that is not a valid FSM request. */
export class FsmDecodeError extends Error {
  readonly code: FsmDecodeErrorCode;

  constructor(code: FsmDecodeErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'FsmDecodeError';
    this.code = code;
  }
}
