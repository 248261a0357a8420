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
export { noExpectations } from './expectations.js';
export type { ExpectedHalt, RolloutExpectations } from './expectations.js';
export type { ArtifactValidity, Finding, ArtifactCheckResult } from './artifact-check-result.js';
