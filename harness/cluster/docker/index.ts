/**
 * The docker cluster backend (ARCHITECTURE.md "cluster/", "Docker recipe").
 * `createDockerBackend()` is what `ekv-jepsen test --backend docker` uses.
 */
export { createDockerBackend, dockerBackendDefaults } from './docker-backend.js';
export type { DockerBackendOptions, DockerClusterBackend } from './docker-backend.js';
export { dockerClusterDefaults } from './docker-cluster.js';
export type { DockerNodeHandle } from './docker-cluster.js';
export { nodeContainerPort } from './node-container.js';
