/**
 * Building the reference node's Docker image offline (no registry reachable;
 * see ARCHITECTURE.md "Docker recipe"). Used by the Docker integration test
 * and, as a separate process (`build-image-cli.js`), by the harness's docker
 * backend.
 */
export { buildNodeImage, imageBuildDefaults } from './image-builder.js';
export type { BuildNodeImageOptions, NodeImage } from './image-builder.js';
export { ImageBuildError } from './image-build-error.js';
export type { ImageBuildErrorCode } from './image-build-error.js';
export { findRepoRoot } from './repo-root.js';
export { listContextEntries, productionPackageDirs, hashContext } from './image-files.js';
export type { ContextEntry } from './image-files.js';
