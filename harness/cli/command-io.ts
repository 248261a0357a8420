/**
 * Where subcommands write (the checker's CommandIo shape, so the dispatcher
 * hands the same object to every subcommand).
 */
export type { CommandIo } from '../../checkers/cli/check-command.js';
