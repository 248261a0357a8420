// Synthesised run directories for the report's tests and benchmark.
export { writeSyntheticRun } from './synthetic-run.js';
export type { SyntheticRun, SyntheticRunOptions } from './synthetic-run.js';
