export { main } from './ekv-jepsen.js';
export type { MainOptions } from './ekv-jepsen.js';
export { runTestCommand, selectBackend, verdictLine, versions, withInterrupt, worstExitCode } from './test-command.js';
export { parseTestOptions, testUsage } from './test-options.js';
export type { OptionEnvironment, ParsedTestOptions } from './test-options.js';
export { isRunDirectory, runStoredCheck } from './check-run-command.js';
export { runReplayCommand } from './replay-command.js';
export { runServeCommand } from './serve-command.js';
