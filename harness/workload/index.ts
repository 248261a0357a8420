export type {
  ClientOp,
  ClusterCondition,
  FinalEvent,
  MainPhaseSummary,
  Workload,
  WorkloadClient,
  WorkloadOptions,
  WorkloadRegistry,
} from './workload.js';
