/** Why building the reference node's image failed (typed, STYLE.md 4). */
export type ImageBuildErrorCode =
  /** The repository (package.json named ekv-jepsen) was not found above a path. */
  | 'repo-not-found'
  /** dist/ is missing: `npm run build` has not run. */
  | 'not-built'
  /** node_modules or package-lock.json is missing or inconsistent. */
  | 'dependencies-missing'
  /** docker, the base-image script or `docker build` failed. */
  | 'command-failed';

/** A failure of the image builder, with a stable code and a message naming what is wrong. */
export class ImageBuildError extends Error {
  override readonly name = 'ImageBuildError';

  constructor(
    readonly code: ImageBuildErrorCode,
    message: string,
  ) {
    super(message);
  }
}
