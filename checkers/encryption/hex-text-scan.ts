// Finds known hex strings (canary values) in raw bytes: the bytes are scanned
// once for runs of lowercase hex digits, and only the runs long enough to hold
// a value are compared, window by window, against the set of values. Random
// binary data rarely holds long hex runs, so this stays linear in the file
// size however many canaries there are.

/** Where one of the values was found. */
export interface HexTextMatch {
  readonly value: string;
  /** Byte offset of the first occurrence in the file. */
  readonly offset: number;
}

/** 1 for the bytes of '0'-'9' and 'a'-'f' (a table: this runs once per byte of every data-dir file). */
const lowerHexDigit = new Uint8Array(256);
for (const c of '0123456789abcdef') lowerHexDigit[c.charCodeAt(0)] = 1;

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i += 1) text += String.fromCharCode(bytes[i] ?? 0);
  return text;
}

/** The values of `values` (lowercase hex strings) that occur in `bytes` as ASCII text, each with its first offset. */
export function findHexTexts(bytes: Uint8Array, values: ReadonlySet<string>): HexTextMatch[] {
  const lengths = [...new Set([...values].map((value) => value.length))].filter((length) => length > 0);
  if (lengths.length === 0) return [];
  const shortest = Math.min(...lengths);
  const found = new Map<string, number>();
  let runStart = -1;
  for (let i = 0; i <= bytes.length; i += 1) {
    const hex = i < bytes.length && lowerHexDigit[bytes[i] ?? 0] === 1;
    if (hex) {
      if (runStart < 0) runStart = i;
      continue;
    }
    if (runStart >= 0 && i - runStart >= shortest) {
      const run = latin1(bytes, runStart, i);
      for (const length of lengths) {
        for (let at = 0; at + length <= run.length; at += 1) {
          const window = run.slice(at, at + length);
          if (values.has(window) && !found.has(window)) found.set(window, runStart + at);
        }
      }
    }
    runStart = -1;
  }
  return [...found].map(([value, offset]) => ({ value, offset }));
}
