/**
 * The progress line shown while a test runs: elapsed/total seconds, ops
 * ok/fail/info so far and the faults in effect. It draws only on a terminal
 * (cli-progress on stderr) and stays quiet otherwise, so CI logs and piped
 * output carry just the verdict.
 */
import { SingleBar } from 'cli-progress';

export interface ProgressCounts {
  ok: number;
  fail: number;
  info: number;
}

/** A progress sink; `createProgressDisplay` picks the terminal or the quiet one. */
export interface ProgressDisplay {
  start(totalSeconds: number): void;
  update(elapsedSeconds: number, counts: ProgressCounts, faults: readonly string[]): void;
  /** The rollout step under way (shown until the next one). */
  note?(text: string): void;
  stop(): void;
}

const quiet: ProgressDisplay = {
  start: () => undefined,
  update: () => undefined,
  note: () => undefined,
  stop: () => undefined,
};

/** A terminal progress bar when `stream` is a TTY, otherwise a display that prints nothing. */
export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (stream.isTTY !== true) return quiet;
  const bar = new SingleBar({
    stream,
    format: '{bar} {value}/{total}s | ok {ok} fail {fail} info {info} | {step} | {faults}',
    hideCursor: true,
    clearOnComplete: true,
    barsize: 24,
  });
  let running = false;
  return {
    start(totalSeconds) {
      bar.start(Math.max(1, Math.round(totalSeconds)), 0, {
        ok: 0,
        fail: 0,
        info: 0,
        step: 'no rollout',
        faults: 'no faults',
      });
      running = true;
    },
    note(text) {
      if (running) bar.update({ step: text });
    },
    update(elapsedSeconds, counts, faults) {
      if (!running) return;
      bar.update(Math.round(elapsedSeconds), {
        ...counts,
        faults: faults.length === 0 ? 'no faults' : faults.join('; '),
      });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
