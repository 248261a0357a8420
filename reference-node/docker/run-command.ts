/**
 * Runs an external command (docker, the base-image script) and collects its
 * output. Used only by the image builder: the node itself never spawns.
 */
import { spawn } from 'node:child_process';
import { ImageBuildError } from './image-build-error.js';

/** What a finished command printed. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  readonly cwd?: string;
  /** Added to the inherited environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kills the command after this long (a wedged docker daemon must not hang a test run). */
  readonly timeoutMs: number;
}

const stderrTailChars = 2_000;

/**
 * Runs `command args…`, resolving with its output on exit code 0 and
 * rejecting with an {@link ImageBuildError} (`command-failed`) that quotes
 * the tail of stderr otherwise.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new ImageBuildError('command-failed', `cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      if (code === 0) {
        resolve(result);
        return;
      }
      const how =
        signal !== null ? `was killed by ${signal} (timeout ${options.timeoutMs} ms?)` : `exited with code ${code}`;
      const tail = result.stderr.trim().slice(-stderrTailChars);
      reject(
        new ImageBuildError('command-failed', `${command} ${args.join(' ')} ${how}${tail === '' ? '' : `:\n${tail}`}`),
      );
    });
  });
}
