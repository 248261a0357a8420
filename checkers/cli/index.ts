// The `check` command (used by the ekv-jepsen dispatcher in harness/cli).
export { runCheckCommand, checkHistoryFile, inferFormat, defaultSemantics, exitCodes } from './check-command.js';
export type { CommandIo, FileCheck } from './check-command.js';
export { parseCheckArguments, parseDurationMs, parseInitialValue, checkUsage, CliUsageError } from './check-options.js';
export type { CheckCommandOptions } from './check-options.js';
