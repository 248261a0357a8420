/**
 * Why an inspection could not run at all. Problems inside the data (a
 * record that does not decode, a corrupt snapshot file) are not errors:
 * they are reported on the record's line (`error`) and counted in the
 * summary, so one bad row never hides the rest of the dump.
 */

/** Stable codes of inspection refusals. */
export type InspectErrorCode =
  /** The data dir, or its `db/` database, does not exist. */
  | 'ErrInspectDataDirMissing'
  /** LevelDB's lock is held: the node (or another tool) still has the database open. */
  | 'ErrInspectDatabaseLocked'
  /** The database exists but LevelDB refused to open it for another reason. */
  | 'ErrInspectOpenFailed'
  /** `--sidecar PATH` was given but no such file exists. */
  | 'ErrInspectSidecarMissing'
  /** `--kek-file` was given without any readable sidecar to hydrate keys from. */
  | 'ErrInspectKekWithoutSidecar'
  /** The `--kek-file` KEK does not unwrap the sidecar's wrapped DEKs. */
  | 'ErrInspectKekMismatch';

/** A refused inspection. */
export class InspectError extends Error {
  readonly code: InspectErrorCode;

  constructor(code: InspectErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'InspectError';
    this.code = code;
  }
}
