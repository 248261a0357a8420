// `ekv-jepsen check`: placeholder replaced below in the same session.
/** Where a command writes its output; the binary passes the process streams. */
export interface CommandIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** Runs `ekv-jepsen check` and returns its exit code. */
export async function runCheckCommand(_argv: readonly string[], io: CommandIo): Promise<number> {
  io.writeErr('ekv-jepsen check: not implemented yet\n');
  return 255;
}
