// The line discipline shared by the artifact readers (as history.jsonl's):
// one JSON value per line, blank lines ignored, a torn last line (no
// trailing newline, not JSON: the writer was killed mid-line) dropped with a
// warning, any other line that is not JSON an error naming file:line. Each
// record is then validated against its zod schema.
import type { z } from 'zod';
import { ArtifactParseError } from './artifact-parse-error.js';

/** One validated line with its 1-based line number. */
export interface JsonlRecord<T> {
  readonly line: number;
  readonly record: T;
}

/** The first problems zod found, as `field.path: message` (at most three). */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Parses and validates every line of `text`. */
export function readJsonlRecords<T>(
  text: string,
  file: string,
  schema: (value: unknown) => z.ZodType<T>,
): { readonly records: JsonlRecord<T>[]; readonly warnings: string[] } {
  const lines = text.split('\n');
  const records: JsonlRecord<T>[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const content = (lines[i] ?? '').trim();
    if (content === '') continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      if (i === lines.length - 1) {
        warnings.push(`${file}:${line}: ignored a torn last line (the writer stopped mid-line)`);
        break;
      }
      throw new ArtifactParseError({
        code: 'syntax',
        file,
        line,
        reason: `invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    const parsed = schema(value).safeParse(value);
    if (!parsed.success)
      throw new ArtifactParseError({ code: 'invalid-record', file, line, reason: describeIssues(parsed.error) });
    records.push({ line, record: parsed.data });
  }
  return { records, warnings };
}
