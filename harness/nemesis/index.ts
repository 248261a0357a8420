export type { GrudgeRecord, NemesisAction, NemesisActionName, NodeTarget, PartitionShape } from './nemesis-action.js';
export {
  bridgeGrudge,
  completeGrudge,
  grudgeToMap,
  halvesGrudge,
  isolateGrudge,
  majoritiesRingGrudge,
  oneWayGrudge,
} from './grudges.js';
export {
  faultCapability,
  faultCapabilityOfAction,
  faultGroups,
  faultNames,
  faultTuningDefaults,
  parseFaultList,
  planFault,
} from './fault-catalogue.js';
export type { FaultCapability, FaultName, FaultTuning } from './fault-catalogue.js';
export {
  defaultNemesisIntervalMs,
  faultSchedule,
  faultsBeyondTimeLimit,
  nemesisIntervalBounds,
  roundMs,
} from './fault-schedule.js';
export type { FaultScheduleOptions } from './fault-schedule.js';
export { NemesisExecutor } from './nemesis-executor.js';
export type { NemesisCluster, NemesisExecutorOptions } from './nemesis-executor.js';
