export { createProgressDisplay } from './progress-display.js';
export type { ProgressCounts, ProgressDisplay } from './progress-display.js';
