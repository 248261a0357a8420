export { compareIds, matrixFirstSeed, parseShard, seedsOf, shardOf } from './bug-case.js';
export type { BugCase, BugCaseRegistry, Shard } from './bug-case.js';
export { matrixTable, planMatrix, summarizeMatrix } from './bug-matrix.js';
export type { MatrixRow, MatrixRun, MatrixRunSpec, MatrixSummary, RunVerdict } from './bug-matrix.js';
export { readRunOutcome } from './run-outcome.js';
export type { RunOutcome } from './run-outcome.js';
