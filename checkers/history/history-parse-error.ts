/** Machine-readable reason classes of a history that cannot be read. */
export type HistoryParseErrorCode = 'syntax' | 'invalid-op' | 'unknown-format' | 'io';

/**
 * A history that cannot be read: names the file, the 1-based line and what is
 * wrong, so a user can fix the input (never a stack trace, never a verdict).
 */
export class HistoryParseError extends Error {
  override readonly name = 'HistoryParseError';
  readonly code: HistoryParseErrorCode;
  readonly file: string;
  readonly line: number;
  readonly reason: string;

  constructor(options: { code: HistoryParseErrorCode; file: string; line: number; reason: string }) {
    // Line 0 means the file as a whole (it could not be opened, for instance).
    super(
      options.line > 0 ? `${options.file}:${options.line}: ${options.reason}` : `${options.file}: ${options.reason}`,
    );
    this.code = options.code;
    this.file = options.file;
    this.line = options.line;
    this.reason = options.reason;
  }
}
