// The linearizability checker's public surface: check, the models, the
// result types and the visualization. Everything else is internal.
export { check, checkAsync, checkOperations, defaultMemoryBytesMax } from './check.js';
export type { CheckOptions, AsyncCheckOptions } from './check.js';
export type {
  CheckResult,
  ValidResult,
  InvalidResult,
  UnknownResult,
  CheckSummary,
  Verdict,
  Semantics,
  OpRef,
  FinalPath,
  FinalPathStep,
  PartitionReport,
} from './check-result.js';
export type { StopReason } from './search.js';
export { ModelInputError } from './model.js';
export type { Model, AnyModel, HistoryCall, DecodedCall } from './model.js';
export type { Operation } from './operation.js';
export { nondeterministicModel } from './nondeterministic-model.js';
export type { NondeterministicSpec } from './nondeterministic-model.js';
export { HistoryError } from './prepare-history.js';
export { createModel, modelNames, isModelName } from './model-registry.js';
export type { ModelName } from './model-registry.js';
export {
  casRegisterModel,
  registerModel,
  multiRegisterModel,
  kvModel,
  mutexModel,
  setModel,
  fifoQueueModel,
} from './models/index.js';
export type {
  RegisterInput,
  RegisterOutput,
  RegisterOptions,
  MicroOp,
  MultiRegisterOptions,
  KvInput,
  KvState,
  KvOptions,
  MutexInput,
  SetInput,
  SetState,
  QueueInput,
  QueueState,
} from './models/index.js';
export { resultToEdn, valueToEdn } from './check-result-edn.js';
export { visualize } from './visualize.js';
export type { VisualizeInput } from './visualize.js';
