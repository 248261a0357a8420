export { createRunDirectory, runFiles, runTimestamp } from './run-directory.js';
export { inspectNodes, inspectTimeoutMs } from './node-inspection.js';
export type { InspectOptions } from './node-inspection.js';
