export { compareIds, matrixFirstSeed, parseShard, seedsOf, shardOf } from './bug-case.js';
export type { BugCase, BugCaseRegistry, Shard } from './bug-case.js';
export { matrixTable, planMatrix, summarizeMatrix } from './bug-matrix.js';
export type { MatrixRow, MatrixRun, MatrixRunSpec, MatrixSummary, RunVerdict } from './bug-matrix.js';
export { readRunOutcome } from './run-outcome.js';
export type { RunOutcome } from './run-outcome.js';
export {
  describeStageSuite,
  planStageSuite,
  requiredEntryKinds,
  stageSuiteProblems,
  stageTable,
  summarizeStageSuite,
} from './stage-suite.js';
export type {
  OmittedEntry,
  StageEntryKind,
  StageRow,
  StageRun,
  StageRunSpec,
  StageSuite,
  StageSuiteEntry,
  StageSuiteRegistry,
  StageSummary,
} from './stage-suite.js';
