export type { ClientOp, Workload, WorkloadModel, WorkloadOptions, WorkloadRegistry } from './workload.js';
