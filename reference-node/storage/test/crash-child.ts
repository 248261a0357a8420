/**
 * The parent side of a kill -9 test: runs a child process until it has made
 * a given number of acknowledgements, SIGKILLs it, and returns the child's
 * journal (see crash-journal.ts for why the journal, not stdout, is the
 * record of what was acknowledged).
 *
 * The kill moment is a condition (so many acknowledgements seen), not a
 * delay: on a loaded machine a delay may pass before the child did anything,
 * and the kill still lands at an arbitrary point of the child's next write,
 * because the parent learns of an acknowledgement only some time after it.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** What {@link runUntilKilled} runs and when it kills. */
export interface CrashChildOptions {
  /** `node` arguments: the entry point and its arguments. */
  readonly nodeArguments: readonly string[];
  /** The file the child journals to (read after the kill). */
  readonly journalPath: string;
  /** Kill once the child printed this many progress lines starting with `a ` on stdout (0: right after `ready`). */
  readonly killAfterAcks: number;
}

/** What the killed child left. */
export interface KilledChild {
  /** The complete lines of the journal, in order (a torn last line is left out). */
  readonly journal: readonly string[];
  /** The child's stderr (empty unless it failed). */
  readonly stderr: string;
  /** How many progress lines the child's stdout carried (each written after its journal line: never more than the journal's). */
  readonly acksSeen: number;
}

/** Starts the child, waits for `ready` and `killAfterAcks` progress lines, SIGKILLs it, reads its journal. */
export async function runUntilKilled(options: CrashChildOptions): Promise<KilledChild> {
  const child = spawn(process.execPath, [...options.nodeArguments], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let partialLine = '';
  let ready = false;
  let acksSeen = 0;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': only 'close' comes after the child's stdout and stderr were read to the end.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`crash child exited before it was killed (code ${code}): ${stderr}`));
    child.on('exit', onExit);
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partialLine + chunk.toString()).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready' || line.startsWith('ready ')) ready = true;
        else if (line.startsWith('a ')) acksSeen += 1;
      }
      if (ready && acksSeen >= options.killAfterAcks) {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await closed;
  const text = await readFile(options.journalPath, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  });
  const journal = text.split('\n');
  // The last element is '' after a complete last line, or a torn line: the write it would have recorded did not return.
  journal.pop();
  return { journal, stderr, acksSeen };
}
