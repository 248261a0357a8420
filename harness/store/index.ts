export { createRunDirectory, runFiles, runTimestamp } from './run-directory.js';
