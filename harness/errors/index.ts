export { HarnessError, isHarnessError } from './harness-error.js';
export type { HarnessErrorCode } from './harness-error.js';
