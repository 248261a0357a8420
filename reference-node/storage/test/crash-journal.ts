/**
 * The child side of a kill -9 test: the record of what the child has
 * acknowledged, kept in a regular file.
 *
 * Why not stdout: a child's stdout is a socket whose buffer holds only a few
 * hundred short lines; once the parent falls behind reading it (a loaded
 * machine deschedules the parent for 50 ms), Node queues the child's further
 * writes in the child's memory, and the SIGKILL destroys them. The parent
 * then sees fewer acknowledgements than the child made, and a correct store
 * looks as if it had kept writes nobody acknowledged. A synchronous write to a
 * regular file is in the kernel's page cache when it returns, and a killed
 * process cannot take that back (only a power loss could, which is not what
 * these tests simulate), so every line recorded here before an
 * acknowledgement counts as made.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** An append-only journal of complete lines, written synchronously. */
export class CrashJournal {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends one line; it survives a SIGKILL that comes after this returns. */
  record(line: string): void {
    const bytes = Buffer.from(`${line}\n`);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written);
  }

  close(): void {
    closeSync(this.fd);
  }
}
