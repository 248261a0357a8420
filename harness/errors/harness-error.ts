/**
 * Typed errors of the harness (STYLE.md 4, 5): expected failures carry a
 * stable code so callers and tests compare codes, never message text.
 */

/** Every harness error code. */
export type HarnessErrorCode =
  | 'INVALID_OPTION'
  | 'HISTORY_FORMAT'
  | 'NODE_START_FAILED'
  | 'NODE_EXITED'
  | 'CLUSTER_NOT_READY'
  | 'CLUSTER_HALTED'
  | 'BACKEND_UNAVAILABLE'
  | 'CLOCK_UNAVAILABLE'
  | 'UNKNOWN_NODE'
  | 'RUN_DIR'
  | 'INTERRUPTED';

/** An expected harness failure with a stable code. */
export class HarnessError extends Error {
  constructor(
    readonly code: HarnessErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HarnessError';
  }
}

/** True when `error` is a HarnessError with the given code. */
export function isHarnessError(error: unknown, code?: HarnessErrorCode): error is HarnessError {
  return error instanceof HarnessError && (code === undefined || error.code === code);
}
