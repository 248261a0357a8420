// Inputs of the rollout checkers (halt-apply, encryption, availability,
// convergence): the documented run-directory formats they read, and the
// result they all return.
export type { ProcessState, NodeStatusView, SidecarView, StatusSample } from './status-sample.js';
export type {
  EnvelopeView,
  SidecarInspectView,
  FsmInspectView,
  SnapshotInspectView,
  RaftEntryInspectView,
  MvccInspectView,
  RegistryInspectView,
  SummaryInspectView,
  OtherInspectView,
  InspectView,
  NodeInspection,
  RawFile,
} from './inspect-view.js';
export { rolloutStepNames, canaryKeyPrefix, canaryValueHexLength, localReadF } from './rollout-ops.js';
export type { RolloutStepName, RolloutOkValues } from './rollout-ops.js';
export { noExpectations, expectedHaltFor } from './expectations.js';
export type { ExpectedHalt, RolloutExpectations } from './expectations.js';
export type { ArtifactValidity, Finding, ArtifactCheckResult } from './artifact-check-result.js';
// Helpers the rollout checkers share: building a result, pairing ops, reading
// rollout steps and canaries, per-node samples, placing samples in the history.
export { artifactCheckResult, validityOf, limitFindings, findingsPerRuleMax } from './artifact-result.js';
export type { ArtifactResultParts } from './artifact-result.js';
export { pairOps, okOf, pairOpIndex } from './op-pairs.js';
export type { OpPair } from './op-pairs.js';
export {
  rolloutSteps,
  clientWrites,
  canaryWrites,
  enableOkValue,
  rotateOkValue,
  membershipOkNode,
  stepOks,
  mustBeRefusedOf,
  refusedAsRequired,
} from './rollout-history.js';
export type { CanaryWrite, StepOk, MustBeRefused } from './rollout-history.js';
export { samplesByNode, incarnations, answered } from './node-samples.js';
export { historyPosition } from './history-position.js';
export type { HistoryPosition } from './history-position.js';
