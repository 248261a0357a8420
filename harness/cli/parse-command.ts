/**
 * Runs a commander parse the way every ekv-jepsen subcommand wants it:
 * false for --help, a commander error turned into `fail(message)` (without
 * commander's "error: " prefix) so the caller prints one line naming it.
 */
import { CommanderError } from 'commander';
import type { Command } from 'commander';

export function parseCommand(
  command: Command,
  argv: readonly string[],
  fail: (message: string) => Error = (message) => new Error(message),
): boolean {
  try {
    command.parse([...argv], { from: 'user' });
    return true;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') return false;
      throw fail(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
}
