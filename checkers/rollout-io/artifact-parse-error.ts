/** Machine-readable reason classes of a run-directory artifact that cannot be read. */
export type ArtifactParseErrorCode = 'syntax' | 'invalid-record';

/**
 * An artifact line (status.jsonl, inspect.jsonl) that cannot be read: names
 * the file, the 1-based line and what is wrong, so the producer can be fixed
 * (never a stack trace, never a verdict).
 */
export class ArtifactParseError extends Error {
  override readonly name = 'ArtifactParseError';
  readonly code: ArtifactParseErrorCode;
  readonly file: string;
  readonly line: number;
  readonly reason: string;

  constructor(options: { code: ArtifactParseErrorCode; file: string; line: number; reason: string }) {
    super(`${options.file}:${options.line}: ${options.reason}`);
    this.code = options.code;
    this.file = options.file;
    this.line = options.line;
    this.reason = options.reason;
  }
}
