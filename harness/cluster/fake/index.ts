export { FakeCallError, FakeCluster } from './fake-cluster.js';
export type { FakeClusterOptions } from './fake-cluster.js';
export { createFakeBackend } from './fake-backend.js';
export type { FakeBackend } from './fake-backend.js';
