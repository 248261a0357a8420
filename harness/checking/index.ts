export { checkHistory, combineValidity, exitCodeOf, writeResults } from './check-run.js';
export type { CheckRunOptions, CheckerEntry, RunResults, Validity } from './check-run.js';
export { historyStats } from './history-stats.js';
export type { HistoryStats, StatsPhase } from './history-stats.js';
