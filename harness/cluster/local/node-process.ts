/**
 * One `ekv-node` child process of the local backend: spawn it, wait for its
 * single `READY` line, stream its output into the node's log file (appended
 * across restarts), and kill (SIGKILL), pause (SIGSTOP), resume (SIGCONT) or
 * stop it (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, readFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { HarnessError } from '../../errors/index.js';

export interface NodeLaunch {
  readonly id: string;
  /** Program and leading arguments (e.g. [node, bin/ekv-node.js]). */
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logPath: string;
  readonly startTimeoutMs: number;
}

/** How a process ended. */
export interface NodeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the harness asked for it (kill or stop). */
  readonly expected: boolean;
}

const stopGraceMs = 5_000;
/** How long a failed start waits for the child's stdio to drain into the log. */
const logFlushWaitMs = 1_000;

/** A running node process; `onExit` observers learn about unexpected exits. */
export class NodeProcess {
  private exited: NodeExit | null = null;
  private expectingExit = false;
  private readonly exitPromise: Promise<NodeExit>;
  private readonly logClosed: Promise<void>;
  paused = false;

  private constructor(
    readonly id: string,
    private readonly child: ChildProcess,
    private readonly log: WriteStream,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited ??= { code, signal, expected: this.expectingExit };
        resolve(this.exited);
      });
      // A program that cannot be spawned (ENOENT, EACCES) never emits 'exit'.
      child.once('error', () => {
        if (child.pid !== undefined) return;
        this.exited ??= { code: null, signal: null, expected: false };
        resolve(this.exited);
      });
    });
    // 'close' comes after the child's stdio streams ended: nothing more will be written to the log.
    this.logClosed = new Promise((resolve) => {
      child.once('close', () => log.end(() => resolve()));
    });
  }

  /** Spawns the node and resolves once it printed `READY`; rejects (and kills it) otherwise. */
  static async start(launch: NodeLaunch): Promise<NodeProcess> {
    // Opened synchronously: a stream that opens later could find its directory already removed
    // by a caller that gave up on this start; write errors must not crash the harness either.
    const log = createWriteStream(launch.logPath, { fd: openSync(launch.logPath, 'a') });
    log.on('error', () => {});
    log.write(`--- harness: starting ${launch.id}: ${launch.args.join(' ')}\n`);
    const [program, ...leading] = launch.command;
    if (program === undefined) throw new HarnessError('NODE_START_FAILED', 'empty node command');
    // A process group of its own (detached): Ctrl-C in a terminal signals the terminal's foreground group,
    // which must reach the harness only — the harness stops its nodes itself, and counts those exits as its own.
    const child = spawn(program, [...leading, ...launch.args], {
      env: { ...process.env, ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const node = new NodeProcess(launch.id, child, log);
    child.stderr?.pipe(log, { end: false });
    try {
      await node.waitReady(launch);
    } catch (error) {
      await node.kill();
      await Promise.race([node.logClosed, delay(logFlushWaitMs)]);
      log.end();
      throw error;
    }
    return node;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exited === null;
  }

  /** Resolves when the process has exited. */
  whenExited(): Promise<NodeExit> {
    return this.exitPromise;
  }

  private waitReady(launch: NodeLaunch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let buffer = '';
      let ready = false;
      const timer = setTimeout(() => fail(`no READY line within ${launch.startTimeoutMs} ms`), launch.startTimeoutMs);
      const fail = (reason: string): void => {
        clearTimeout(timer);
        if (!ready)
          reject(
            new HarnessError(
              'NODE_START_FAILED',
              `node ${launch.id} failed to start: ${reason}${tailOf(launch.logPath)}`,
            ),
          );
      };
      this.child.stdout?.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        if (ready) return;
        buffer += chunk.toString();
        if (/^READY\b/m.test(buffer)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      this.child.once('error', (error) => fail(error.message));
      // 'exit' can come before the child's last stderr bytes reached the log: read the
      // tail only once the log is flushed (bounded, in case a grandchild holds the pipes).
      void this.exitPromise
        .then((exit) => Promise.race([this.logClosed, delay(logFlushWaitMs)]).then(() => exit))
        .then((exit) => fail(`exited with code ${exit.code} signal ${exit.signal}`));
    });
  }

  /** The process will exit by itself (a test kill point): its exit counts as expected. */
  expectExit(): void {
    this.expectingExit = true;
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child.kill('SIGKILL');
    await this.exitPromise;
    await this.logClosed;
    this.paused = false;
  }

  pause(): void {
    if (!this.running || this.paused) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.running || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** Graceful stop: SIGCONT (a stopped process cannot handle SIGTERM), SIGTERM, SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.running) {
      this.expectingExit = true;
      this.resume();
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), stopGraceMs);
      await this.exitPromise;
      clearTimeout(timer);
    }
    await this.logClosed;
  }

  /** Synchronous last resort for process exit hooks. */
  killNow(): void {
    if (!this.running) return;
    this.expectingExit = true;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function tailOf(logPath: string): string {
  try {
    const lines = readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-8);
    return `\n  last log lines (${logPath}):\n    ${lines.join('\n    ')}`;
  } catch {
    return '';
  }
}
