export { createLocalBackend } from './local-backend.js';
export type { LocalBackend, LocalBackendOptions } from './local-backend.js';
export { LocalCluster } from './local-cluster.js';
export type { LocalClusterOptions, UnexpectedExit } from './local-cluster.js';
export { LinkProxy } from './link-proxy.js';
export type { LinkProxyStats } from './link-proxy.js';
export { allocateFreePorts } from './free-ports.js';
export { faketimeOffsetText, libfaketimeDefaultPath } from './faketime.js';
export { packageRoot } from './package-root.js';
