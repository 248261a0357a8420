/**
 * The catalogued bugs (shared/spec/bug-catalogue.md §10.B) that `--bug` can
 * re-introduce. The switches are validated and reported now; the encryption
 * task wires their behaviour.
 */
export const cataloguedBugIds = Object.freeze([
  'B1', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B9', 'B10', 'B11',
  'B13', 'B15', 'B16', 'B17', 'B21', 'B23', 'B24', 'B25', 'B26', 'B27',
] as const);

/** One catalogued bug id (`B7`). */
export type CataloguedBugId = (typeof cataloguedBugIds)[number];

const known: ReadonlySet<string> = new Set(cataloguedBugIds);

/**
 * Parses one `--bug` item: the id, case-insensitive, optionally followed by a
 * descriptive slug (`b7`, `B7-wrap-not-restored`). Returns undefined for an
 * unknown id.
 */
export function parseBugId(text: string): CataloguedBugId | undefined {
  const match = /^(b\d+)(?:-[a-z0-9-]+)?$/i.exec(text.trim());
  if (match === null) return undefined;
  const id = match[1]!.toUpperCase();
  return known.has(id) ? (id as CataloguedBugId) : undefined;
}
