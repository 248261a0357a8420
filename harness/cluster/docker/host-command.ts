/**
 * Runs a host command with optional stdin (nsenter + iptables-restore into a
 * container's network namespace; the build-image CLI). Bounded by a timeout.
 */
import { spawn } from 'node:child_process';
import { HarnessError } from '../../errors/index.js';

/** Options of {@link runHostCommand}. */
export interface HostCommandOptions {
  readonly input?: string;
  readonly timeoutMs: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Receives stderr lines as they arrive (progress of long commands). */
  readonly onStderr?: (chunk: string) => void;
}

const stderrTailChars = 2_000;

/** Runs `command args…`; resolves with stdout on exit 0, rejects with a HarnessError otherwise. */
export function runHostCommand(command: string, args: readonly string[], options: HostCommandOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr = (stderr + text).slice(-stderrTailChars);
      options.onStderr?.(text);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new HarnessError('BACKEND_UNAVAILABLE', `cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(Buffer.concat(stdout).toString('utf8'));
        return;
      }
      const how =
        signal !== null ? `was killed by ${signal} after ${options.timeoutMs} ms` : `exited with code ${code}`;
      reject(new HarnessError('BACKEND_UNAVAILABLE', `${command} ${args.join(' ')} ${how}: ${stderr.trim()}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
