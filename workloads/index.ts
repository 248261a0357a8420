/**
 * Workloads and scenarios built from harness pieces; `workloadRegistry` is
 * what `ekv-jepsen test --workload NAME` offers (the launcher passes it in,
 * because harness/ may not import workloads/).
 */
import type { WorkloadRegistry } from '../harness/workload/index.js';
import { registerWorkload } from './register.js';

export { registerKeys, registerMix, registerWorkload } from './register.js';

/** Every workload by name. */
export const workloadRegistry: WorkloadRegistry = new Map([[registerWorkload.name, registerWorkload]]);
