/** A refused command-line flag: the CLI prints `--flag: message` and exits 2. */
export class FlagError extends Error {
  /** The flag as typed on the command line, e.g. `--peers`. */
  readonly flag: string;

  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.name = 'FlagError';
    this.flag = flag;
  }
}
