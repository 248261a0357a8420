/**
 * If the harness itself is killed (kill -9, OOM), its exit hooks never run
 * and the node processes would be left behind. A tiny detached watchdog
 * process polls the harness's pid and, once it is gone, SIGKILLs every pid
 * listed in the cluster's pid file. A normal shutdown stops the watchdog.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const watchdogPollMs = 500;

// Runs in its own process: argv = [harnessPid, pidFile, pollMs].
const watchdogScript = `
const fs = require('node:fs');
const [harnessPid, pidFile, pollMs] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
setInterval(() => {
  if (alive(Number(harnessPid))) return;
  let pids = [];
  try { pids = fs.readFileSync(pidFile, 'utf8').split(/\\s+/).filter(Boolean).map(Number); } catch {}
  for (const pid of pids) { try { process.kill(pid, 'SIGCONT'); process.kill(pid, 'SIGKILL'); } catch {} }
  process.exit(0);
}, Number(pollMs));
`;

/** Keeps the pid file current and owns the watchdog process. */
export class OrphanReaper {
  private readonly watchdog: ChildProcess;

  constructor(private readonly pidFile: string) {
    writeFileSync(pidFile, '');
    this.watchdog = spawn(
      process.execPath,
      ['-e', watchdogScript, String(process.pid), pidFile, String(watchdogPollMs)],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    // The watchdog must neither keep the harness alive nor die with its process group on Ctrl-C.
    this.watchdog.unref();
  }

  /** Records the pids to reap if the harness dies. */
  update(pids: readonly number[]): void {
    writeFileSync(this.pidFile, pids.join('\n'));
  }

  /** Stops the watchdog (normal shutdown: the harness reaped its children itself). */
  stop(): void {
    try {
      this.watchdog.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
